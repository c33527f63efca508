;; A stage that costs CPU: each message burns a fixed amount of fuel, then
;; counts it in its state ($n, carried by a move's snapshot) and emits
;; {"n":<count>} on port "out". The load-based move test runs two of these on
;; one node; the counts say whether any message was lost or handled twice.
(module
  (import "continuum" "emit" (func $emit (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "out")
  (data (i32.const 32) "{\"n\":")
  (global $n (mut i32) (i32.const 0))
  (global $sink (mut i32) (i32.const 0))
  (func (export "ctm_alloc") (param i32) (result i32) i32.const 4096)
  (func (export "ctm_init") (result i32) i32.const 0)
  (func (export "ctm_on_message") (param i32 i32 i32 i32) (result i32)
    (local $i i32) (local $acc i32) (local $v i32) (local $end i32) (local $digits i32)
    ;; the burn: 60000 rounds of a small hash
    (local.set $i (i32.const 60000))
    (loop $burn
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $burn (local.get $i)))
    (global.set $sink (i32.xor (global.get $sink) (local.get $acc)))
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    ;; {"n":<decimal>} at 32: the digits written backwards from 63, then moved up
    (local.set $v (global.get $n))
    (local.set $end (i32.const 64))
    (loop $digit
      (local.set $end (i32.sub (local.get $end) (i32.const 1)))
      (i32.store8 (local.get $end) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (local.get $v)))
    (local.set $digits (i32.sub (i32.const 64) (local.get $end)))
    (memory.copy (i32.const 37) (local.get $end) (local.get $digits))
    (i32.store8 (i32.add (i32.const 37) (local.get $digits)) (i32.const 125))
    (drop (call $emit (i32.const 16) (i32.const 3) (i32.const 32) (i32.add (local.get $digits) (i32.const 6))))
    i32.const 0)
  (func (export "ctm_on_tick") (param i64) (result i32) i32.const 0))

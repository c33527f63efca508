;; The module the Cortex-M4 firmware runs: small enough for a microcontroller,
;; broad enough to exercise the interpreter — memory and a data segment (CRC-32),
;; deep recursion (call depth under a small value stack), and f64 math through
;; host imports (the robot arm's reach, with sin/cos provided by the firmware).
(module
  (import "env" "sin" (func $sin (param f64) (result f64)))
  (import "env" "cos" (func $cos (param f64) (result f64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "123456789")

  ;; CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit.
  (func (export "crc32") (param $ptr i32) (param $len i32) (result i32)
    (local $crc i32) (local $end i32) (local $bit i32)
    (local.set $crc (i32.const -1))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $crc (i32.xor (local.get $crc) (i32.load8_u (local.get $ptr))))
        (local.set $bit (i32.const 8))
        (loop $bits
          (local.set $crc
            (i32.xor
              (i32.shr_u (local.get $crc) (i32.const 1))
              (i32.and (i32.const 0xEDB88320)
                       (i32.sub (i32.const 0) (i32.and (local.get $crc) (i32.const 1))))))
          (local.tee $bit (i32.sub (local.get $bit) (i32.const 1)))
          (br_if $bits))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $bytes)))
    (i32.xor (local.get $crc) (i32.const -1)))

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; 1 + 2 + ... + n, one wasm call frame per term.
  (func $sum_to (export "sum_to") (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 0))
      (else (i64.add (local.get $n) (call $sum_to (i64.sub (local.get $n) (i64.const 1)))))))

  ;; Distance from the shoulder to the tip of a two-link planar arm with link
  ;; lengths l1, l2 and joint angles t1, t2 (radians).
  (func (export "reach") (param $l1 f64) (param $l2 f64) (param $t1 f64) (param $t2 f64) (result f64)
    (local $x f64) (local $y f64) (local $t12 f64)
    (local.set $t12 (f64.add (local.get $t1) (local.get $t2)))
    (local.set $x (f64.add (f64.mul (local.get $l1) (call $cos (local.get $t1)))
                           (f64.mul (local.get $l2) (call $cos (local.get $t12)))))
    (local.set $y (f64.add (f64.mul (local.get $l1) (call $sin (local.get $t1)))
                           (f64.mul (local.get $l2) (call $sin (local.get $t12)))))
    (f64.sqrt (f64.add (f64.mul (local.get $x) (local.get $x))
                       (f64.mul (local.get $y) (local.get $y))))))

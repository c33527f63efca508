;; A stage that handles its first 10 messages and traps on the 11th: an
;; update that passes its first checks and fails later, on probation.
(module
  (memory (export "memory") 1)
  (global $handled (mut i32) (i32.const 0))
  (func (export "ctm_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "ctm_init") (result i32) i32.const 0)
  (func (export "ctm_on_message") (param i32 i32 i32 i32) (result i32)
    (global.set $handled (i32.add (global.get $handled) (i32.const 1)))
    (if (i32.gt_u (global.get $handled) (i32.const 10)) (then unreachable))
    i32.const 0)
  (func (export "ctm_on_tick") (param i64) (result i32) i32.const 0))

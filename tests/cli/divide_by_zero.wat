;; A WASI command whose _start divides by zero: must trap, not crash.
(module
  (func $divide (param i32) (result i32)
    (i32.div_s (i32.const 10) (local.get 0)))
  (func (export "_start")
    (drop (call $divide (i32.const 0)))))

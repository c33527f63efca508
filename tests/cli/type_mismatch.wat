;; Invalid on purpose (assembled with --no-check): returns f64 where i32 is declared.
(module
  (func (export "f") (result i32)
    (f64.const 1)))

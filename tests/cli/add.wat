;; Exports of every number type, for `continuum run --invoke`.
(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "mul64") (param i64 i64) (result i64)
    (i64.mul (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64)
    (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "pair") (param f32) (result f32 i32)
    (local.get 0)
    (i32.trunc_sat_f32_s (local.get 0))))

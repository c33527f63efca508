;; Two wrong expectations and one right one: the runner must report exactly
;; two failures (with line numbers) and exit non-zero.
(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "trap") (result i32) unreachable))
(assert_return (invoke "one") (i32.const 2))
(assert_trap (invoke "one") "unreachable")
(assert_return (invoke "one") (i32.const 1))

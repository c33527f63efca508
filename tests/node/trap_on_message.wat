;; A stage that traps on every message and is fine otherwise: the supervisor
;; test's misbehaving module.
(module
  (memory (export "memory") 1)
  (func (export "ctm_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "ctm_init") (result i32) i32.const 0)
  (func (export "ctm_on_message") (param i32 i32 i32 i32) (result i32) unreachable)
  (func (export "ctm_on_tick") (param i64) (result i32) i32.const 0))

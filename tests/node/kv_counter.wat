;; A stage that counts its ticks in its KV state ("n", 4 bytes): the test of
;; KV persistence across node restarts.
(module
  (import "continuum" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "continuum" "kv_put" (func $kv_put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "n")
  (func (export "ctm_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "ctm_init") (result i32)
    ;; n stays 0 when the key is absent (kv_get returns an error, writes nothing)
    (drop (call $kv_get (i32.const 16) (i32.const 1) (i32.const 32) (i32.const 4)))
    i32.const 0)
  (func (export "ctm_on_message") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "ctm_on_tick") (param i64) (result i32)
    (i32.store (i32.const 32) (i32.add (i32.load (i32.const 32)) (i32.const 1)))
    (drop (call $kv_put (i32.const 16) (i32.const 1) (i32.const 32) (i32.const 4)))
    i32.const 0))

;; A small stage for the OTA CLI tests: imports from the host interface so
;; the registry has imports and grants to report.
(module
  (import "continuum" "kv_get" (func (param i32 i32 i32 i32) (result i32)))
  (import "continuum" "sensor_read" (func (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "ctm_on_tick") (param i64))
  (data (i32.const 0) "continuum ota cli test"))

;; Grows memory by the given number of pages; returns the old size or -1.
(module
  (memory 1)
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))

;; Loops forever; only a fuel budget stops it.
(module
  (func (export "_start")
    (loop $forever (br $forever))))

// Checkpoints a WAL-mode SQLite file from a thread of its own, so that no
// per-message commit pays for one.
//
// Why: by default SQLite checkpoints inside the commit that pushes the WAL past
// 1,000 pages. The outbox is a queue (every message is one insert and one
// delete), so on a busy node that is every few hundred messages, and that
// commit then also writes the pages back into the database file and fsyncs
// it: milliseconds, on the thread that was about to publish (or, for the
// reading store, on the network thread that receives). The owner turns
// automatic checkpoints off on its connection (PRAGMA wal_autocheckpoint=0)
// and this thread runs PASSIVE checkpoints (never blocking a writer) on its
// own connection, at every interval. Durability is unchanged: a commit is as durable as its connection's
// synchronous setting makes it, whoever checkpoints later.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "continuum/node/status.h"
#include "sqlite_db.h"

namespace continuum::adapters::sqlite {

class WalCheckpointer {
 public:
  // Opens its own connection to PATH (which the owner has already opened in
  // WAL mode) and starts the thread.
  node::Status start(const std::string& path, Durability durability,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  // Stops the thread and closes its connection (the owner's connection, closed
  // last, checkpoints what is left).
  ~WalCheckpointer();

 private:
  void run();

  Database db_;
  std::chrono::milliseconds interval_{500};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace continuum::adapters::sqlite

// StageRecords (node/agent/src/stage_records.h) on real files: records and
// snapshots round-trip, a moved-away record drops the snapshot, a broken
// file is reported (not taken for "no record"), forget removes both files.
#include "stage_records.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

StageRecord adopted(const std::string& stage) {
  StageRecord r;
  r.stage = stage;
  r.kind = StageRecord::Kind::kAdopted;
  r.at_ms = 1763712000000;
  r.from = "fog-1";
  r.publisher = "fog-1";
  r.settings = {{"name", stage}, {"grants", {"config"}}};
  r.module = "/data/modules/" + stage + "/ab.wasm";
  r.module_sha256 = "ab";
  return r;
}

TEST(StageRecords, AnAdoptedRecordAndItsSnapshotComeBackAsWritten) {
  testing::TempDir dir;
  StageRecords records(dir.path());
  StageRecord r = adopted("filter");
  r.snapshot = StageRecord::Snapshot{1763712000500, true, 418, {{"gen/src", 417}}};
  std::string error;
  ASSERT_TRUE(records.save_snapshot(r, {1, 2, 3, 0, 255}, &error)) << error;
  std::string problem;
  std::optional<StageRecord> back = records.get("filter", &problem);
  ASSERT_TRUE(back) << problem;
  EXPECT_EQ(back->kind, StageRecord::Kind::kAdopted);
  EXPECT_EQ(back->from, "fog-1");
  EXPECT_EQ(back->publisher, "fog-1");
  EXPECT_EQ(back->settings, r.settings);
  EXPECT_EQ(back->module, r.module);
  ASSERT_TRUE(back->snapshot);
  EXPECT_TRUE(back->snapshot->clean);
  EXPECT_EQ(back->snapshot->next_seq, 418u);
  EXPECT_EQ(back->snapshot->covered.at("gen/src"), 417u);
  EXPECT_EQ(records.snapshot_bytes("filter"), std::string("\x01\x02\x03\x00\xff", 5));
}

TEST(StageRecords, MovedAwayReplacesAdoptedAndForgetRemovesEverything) {
  testing::TempDir dir;
  StageRecords records(dir.path());
  StageRecord r = adopted("filter");
  r.snapshot = StageRecord::Snapshot{};
  std::string error;
  ASSERT_TRUE(records.save_snapshot(r, {7}, &error)) << error;
  StageRecord away;
  away.stage = "filter";
  away.kind = StageRecord::Kind::kMovedAway;
  away.to = "edge-1";
  ASSERT_TRUE(records.put(away, &error)) << error;
  std::string problem;
  std::optional<StageRecord> back = records.get("filter", &problem);
  ASSERT_TRUE(back) << problem;
  EXPECT_EQ(back->kind, StageRecord::Kind::kMovedAway);
  EXPECT_EQ(back->to, "edge-1");
  EXPECT_FALSE(records.snapshot_bytes("filter")) << "a snapshot outlived its adopted record";
  records.forget("filter");
  EXPECT_FALSE(records.get("filter", &problem));
  EXPECT_TRUE(problem.empty()) << problem;
  EXPECT_FALSE(std::filesystem::exists(records.record_path("filter")));
}

TEST(StageRecords, ABrokenRecordIsReportedNotTakenForNone) {
  testing::TempDir dir;
  StageRecords records(dir.path());
  std::string error;
  ASSERT_TRUE(records.put(adopted("good"), &error)) << error;
  { std::ofstream(records.record_path("torn")) << "{\"stage\":\"torn\",\"ki"; }
  { std::ofstream(records.record_path("odd")) << R"({"stage":"odd","kind":"borrowed","at_ms":1})"; }
  std::string problem;
  EXPECT_FALSE(records.get("torn", &problem));
  EXPECT_NE(problem.find("not valid JSON"), std::string::npos) << problem;
  std::vector<std::string> problems;
  std::vector<StageRecord> all = records.all(&problems);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].stage, "good");
  ASSERT_EQ(problems.size(), 2u);
  std::string both = problems[0] + problems[1];
  EXPECT_NE(both.find("expected adopted or moved_away, got \"borrowed\""), std::string::npos) << both;
  // A snapshot needs an adopted record with a note.
  StageRecord away;
  away.stage = "x";
  away.kind = StageRecord::Kind::kMovedAway;
  away.to = "edge-1";
  EXPECT_FALSE(records.save_snapshot(away, {1}, &error));
}

}  // namespace
}  // namespace continuum::node::agent

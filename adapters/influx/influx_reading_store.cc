#include "continuum/adapters/influx_reading_store.h"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "continuum/adapters/line_protocol.h"

namespace continuum::adapters {

using nlohmann::json;
using node::Bucket;
using node::InsertOutcome;
using node::Reading;
using node::Status;
using node::StoredReading;
using node::TimeRange;

namespace {

// InfluxQL string literal: single quotes, backslash-escaped.
std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// InfluxQL identifier: double quotes.
std::string identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string time_clause(TimeRange range) {
  return "time >= " + std::to_string(range.from_ms) + "ms AND time < " + std::to_string(range.to_ms) + "ms";
}

// The first series of the first result, or null.
const json* first_series(const json& answer) {
  if (!answer.is_object() || !answer.contains("results") || answer["results"].empty()) return nullptr;
  const json& result = answer["results"][0];
  if (!result.contains("series") || result["series"].empty()) return nullptr;
  return &result["series"][0];
}

std::string answer_error(const json& answer) {
  if (answer.is_discarded()) return "influx: unreadable answer";
  if (answer.contains("error")) return "influx: " + answer["error"].get<std::string>();
  if (answer.contains("results"))
    for (const json& result : answer["results"])
      if (result.contains("error")) return "influx: " + result["error"].get<std::string>();
  return {};
}

}  // namespace

InfluxReadingStore::InfluxReadingStore(InfluxConfig config)
    : config_(std::move(config)), client_(std::make_unique<httplib::Client>(config_.host, config_.port)) {
  const time_t seconds = config_.timeout_ms / 1000;
  const time_t micros = (config_.timeout_ms % 1000) * 1000;
  client_->set_connection_timeout(seconds, micros);
  client_->set_read_timeout(seconds, micros);
  client_->set_write_timeout(seconds, micros);
  if (!config_.username.empty()) client_->set_basic_auth(config_.username.c_str(), config_.password.c_str());
}

InfluxReadingStore::~InfluxReadingStore() = default;

std::unique_ptr<InfluxReadingStore> InfluxReadingStore::open(InfluxConfig config, Status* status) {
  std::unique_ptr<InfluxReadingStore> store(new InfluxReadingStore(std::move(config)));
  Status result = Status::success();
  std::string answer = store->query("CREATE DATABASE " + identifier(store->config_.database));
  if (answer.empty()) result = Status::failure(store->last_error());
  if (status) *status = result;
  return result ? std::move(store) : nullptr;
}

std::string InfluxReadingStore::query(const std::string& influxql) {
  std::lock_guard lock(mutex_);
  httplib::Params params{{"db", config_.database}, {"q", influxql}, {"epoch", "ms"}};
  auto response = client_->Post("/query", params);
  if (!response) {
    last_error_ = "influx: " + httplib::to_string(response.error());
    return {};
  }
  json answer = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  std::string error = answer_error(answer);
  if (response->status != 200 && error.empty()) error = "influx: HTTP " + std::to_string(response->status);
  if (!error.empty()) {
    last_error_ = error;
    return {};
  }
  return response->body;
}

Status InfluxReadingStore::write(const std::string& lines) {
  std::lock_guard lock(mutex_);
  auto response = client_->Post(httplib::append_query_params("/write", {{"db", config_.database}, {"precision", "ns"}}).c_str(),
                                lines, "text/plain");
  if (!response) {
    last_error_ = "influx: " + httplib::to_string(response.error());
    return Status::failure(last_error_);
  }
  if (response->status != 204) {
    last_error_ = "influx: write HTTP " + std::to_string(response->status) + ": " + response->body;
    return Status::failure(last_error_);
  }
  return Status::success();
}

InsertOutcome InfluxReadingStore::insert(const Reading& reading, int64_t received_ms) {
  return write(influx::to_line(config_.measurement, reading, received_ms)) ? InsertOutcome::kWritten
                                                                           : InsertOutcome::kFailed;
}

std::vector<StoredReading> InfluxReadingStore::range(const std::string& node, const std::string& stage,
                                                     TimeRange range) {
  std::vector<StoredReading> out;
  std::string answer_text = query("SELECT * FROM " + identifier(config_.measurement) + " WHERE node = " +
                                  quote(node) + " AND stage = " + quote(stage) + " AND " + time_clause(range));
  if (answer_text.empty()) return out;
  json answer = json::parse(answer_text, nullptr, false);
  const json* series = first_series(answer);
  if (!series) return out;
  const json& columns = (*series)["columns"];
  for (const json& row : (*series)["values"]) {
    StoredReading stored;
    stored.reading.node = node;
    stored.reading.stage = stage;
    for (size_t i = 0; i < columns.size() && i < row.size(); ++i) {
      const std::string name = columns[i].get<std::string>();
      const json& cell = row[i];
      if (cell.is_null() || name == "node" || name == "stage") continue;
      if (name == "time") {
        stored.reading.ts_ms = cell.get<int64_t>();
      } else if (name == "_seq") {
        stored.reading.seq = cell.get<uint64_t>();
      } else if (name == "_received_ms") {
        stored.received_ms = cell.get<int64_t>();
      } else if (name == "_hops") {
        node::decode_hops(cell.get<std::string>(), &stored.reading.hops);
      } else if (cell.is_number()) {
        stored.reading.values.emplace_back(name, cell.get<double>());
      } else if (cell.is_string()) {
        stored.reading.text_values.emplace_back(name, cell.get<std::string>());
      }
    }
    out.push_back(std::move(stored));
  }
  return out;
}

std::vector<Bucket> InfluxReadingStore::aggregate(const std::string& node, const std::string& stage,
                                                  const std::string& field, TimeRange range, int64_t bucket_ms) {
  std::vector<Bucket> out;
  if (bucket_ms <= 0) return out;
  const std::string f = identifier(field);
  std::string answer_text =
      query("SELECT count(" + f + "), min(" + f + "), max(" + f + "), mean(" + f + ") FROM " +
            identifier(config_.measurement) + " WHERE node = " + quote(node) + " AND stage = " + quote(stage) +
            " AND " + time_clause(range) + " GROUP BY time(" + std::to_string(bucket_ms) + "ms)");
  if (answer_text.empty()) return out;
  json answer = json::parse(answer_text, nullptr, false);
  const json* series = first_series(answer);
  if (!series) return out;
  for (const json& row : (*series)["values"]) {
    // GROUP BY time() lists empty buckets too (count 0, the rest null).
    if (row.size() < 5 || !row[1].is_number() || row[1].get<uint64_t>() == 0) continue;
    out.push_back({row[0].get<int64_t>(), row[1].get<uint64_t>(), row[2].get<double>(), row[3].get<double>(),
                   row[4].get<double>()});
  }
  return out;
}

std::optional<std::vector<node::SeriesKey>> InfluxReadingStore::series() {
  const std::string m = identifier(config_.measurement);
  // Field types are per measurement; which fields a (node, stage) has comes
  // from a count per field grouped by the two tags.
  std::string keys_text = query("SHOW FIELD KEYS FROM " + m);
  if (keys_text.empty()) return std::nullopt;
  json keys = json::parse(keys_text, nullptr, false);
  if (std::string why = answer_error(keys); !why.empty()) {
    std::lock_guard lock(mutex_);
    last_error_ = why;
    return std::nullopt;
  }
  std::set<std::string> numeric;
  if (const json* s = first_series(keys)) {
    for (const json& row : (*s)["values"]) {
      if (row.size() < 2 || !row[0].is_string() || !row[1].is_string()) continue;
      const std::string name = row[0].get<std::string>(), type = row[1].get<std::string>();
      if (!name.empty() && name[0] != '_' && (type == "float" || type == "integer")) numeric.insert(name);
    }
  }
  std::vector<node::SeriesKey> out;
  if (numeric.empty()) return out;
  std::string counts_text = query("SELECT count(*) FROM " + m + " GROUP BY node, stage");
  if (counts_text.empty()) return std::nullopt;
  json counts = json::parse(counts_text, nullptr, false);
  if (!counts.is_object() || !counts.contains("results") || counts["results"].empty()) return out;
  const json& result = counts["results"][0];
  if (!result.contains("series")) return out;
  for (const json& s : result["series"]) {
    if (!s.contains("tags") || !s.contains("columns") || !s.contains("values") || s["values"].empty()) continue;
    const std::string node = s["tags"].value("node", ""), stage = s["tags"].value("stage", "");
    const json& columns = s["columns"];
    const json& row = s["values"][0];
    for (std::size_t i = 0; i < columns.size() && i < row.size(); ++i) {
      const std::string column = columns[i].is_string() ? columns[i].get<std::string>() : "";
      if (column.rfind("count_", 0) != 0 || !row[i].is_number() || row[i].get<uint64_t>() == 0) continue;
      std::string field = column.substr(6);
      if (numeric.count(field)) out.push_back({node, stage, field});
    }
  }
  std::sort(out.begin(), out.end(), [](const node::SeriesKey& a, const node::SeriesKey& b) {
    return std::tie(a.node, a.stage, a.field) < std::tie(b.node, b.stage, b.field);
  });
  return out;
}

uint64_t InfluxReadingStore::count_range(const std::string& node, const std::string& stage, TimeRange range) {
  std::string answer_text = query("SELECT count(\"_seq\") FROM " + identifier(config_.measurement) + " WHERE node = " +
                                  quote(node) + " AND stage = " + quote(stage) + " AND " + time_clause(range));
  if (answer_text.empty()) return 0;
  json answer = json::parse(answer_text, nullptr, false);
  const json* series = first_series(answer);
  if (!series || (*series)["values"].empty() || !(*series)["values"][0][1].is_number()) return 0;
  return (*series)["values"][0][1].get<uint64_t>();
}

uint64_t InfluxReadingStore::count() {
  std::string answer_text = query("SELECT count(\"_seq\") FROM " + identifier(config_.measurement));
  if (answer_text.empty()) return 0;
  json answer = json::parse(answer_text, nullptr, false);
  const json* series = first_series(answer);
  if (!series || (*series)["values"].empty()) return 0;
  return (*series)["values"][0][1].get<uint64_t>();
}

Status InfluxReadingStore::delete_before(int64_t cutoff_ms) {
  std::string answer = query("DELETE FROM " + identifier(config_.measurement) + " WHERE time < " +
                             std::to_string(cutoff_ms) + "ms");
  return answer.empty() ? Status::failure(last_error()) : Status::success();
}

std::string InfluxReadingStore::last_error() {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace continuum::adapters

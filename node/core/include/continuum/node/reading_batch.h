// Reading batches (docs/protocol.md, "Batches"): several data envelopes in
// one MQTT message, {"batch":[ENVELOPE,ENVELOPE,...]}.
//
// Why: at tens of thousands of readings per second the per-message cost of
// MQTT (a PUBLISH and a PUBACK each way, a read() and a wake-up per packet)
// outweighs the work on the reading itself. A sender that has several
// readings queued for the same topic sends them as one message; it never
// waits to fill a batch, so at low rates every reading still travels alone.
// Each element is a complete envelope with its own node/stage/seq/ts/hops:
// the receiver hands them on one by one, and ingest stays idempotent by
// (node, stage, seq).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::node {

// Bounds of one batch. A sender never builds a larger one; a receiver
// refuses a batch with more elements (its byte size is bounded by the
// receiver's [mqtt] max_payload, like any message).
inline constexpr std::size_t kMaxBatchReadings = 256;
inline constexpr std::size_t kMaxBatchBytes = 64 * 1024;

// True when PAYLOAD is meant as a batch: a JSON object whose first member is
// "batch" (leading whitespace allowed). A single envelope never is one (its
// members are node/stage/seq/ts/values/hops), so old single envelopes are
// told apart by looking at a few bytes, without parsing.
bool is_reading_batch(std::string_view payload);

// The text of each element of a batch, as views into PAYLOAD, in order.
// nullopt (with *why) when the batch itself is malformed: not exactly
// {"batch":[...]}, an element that is not a JSON object, no elements, or more
// than kMaxBatchReadings. Elements are only delimited here; each is checked
// as an envelope by decode_reading() afterwards.
std::optional<std::vector<std::string_view>> split_reading_batch(std::string_view payload, std::string* why = nullptr);

// Builds the batch payload for ENVELOPES (each a complete envelope text).
std::string encode_reading_batch(const std::vector<std::string_view>& envelopes);

// The bytes encode_reading_batch() adds around N envelopes of SIZE bytes in
// all (for a sender keeping a batch under kMaxBatchBytes).
inline std::size_t reading_batch_size(std::size_t envelopes, std::size_t envelope_bytes) {
  return envelope_bytes + envelopes + 11;  // {"batch":[ + commas + ]}
}

}  // namespace continuum::node

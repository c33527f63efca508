// krc2_decoder.c: framing, resynchronisation and counters, independent of how
// the bytes are chunked.
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "krc2_decoder.h"
}

namespace {

void put_frame(std::vector<uint8_t>& out, uint32_t axis, int64_t value) {
  uint32_t magnitude = static_cast<uint32_t>(value < 0 ? -value : value);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(axis >> (8 * i)));
  out.push_back(value < 0 ? 1 : 0);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(magnitude >> (8 * i)));
}

void put_cycle(std::vector<uint8_t>& out, const int64_t (&values)[7]) {
  for (uint32_t axis = 1; axis <= 7; ++axis) put_frame(out, axis, values[axis - 1]);
}

struct Decoded {
  Krc2Decoder decoder;
  std::vector<Krc2Cycle> cycles;
  Decoded() { krc2_init(&decoder); }
  static void sink(void* self, const Krc2Cycle* cycle) {
    static_cast<Decoded*>(self)->cycles.push_back(*cycle);
  }
  void feed(const std::vector<uint8_t>& bytes, size_t chunk = 1 << 20) {
    for (size_t at = 0; at < bytes.size(); at += chunk)
      krc2_feed(&decoder, bytes.data() + at, std::min(chunk, bytes.size() - at), sink, this);
  }
};

const int64_t kPose[7] = {1234567, -9000000, 9000000, -100, 12500000, -35000000, 150000000};
const int64_t kPose2[7] = {-18500000, 0, -11900000, 35000000, -12500000, 1, 0};

TEST(Krc2Decoder, DecodesCyclesWhateverTheChunking) {
  std::vector<uint8_t> bytes;
  put_cycle(bytes, kPose);
  put_cycle(bytes, kPose2);
  for (size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
    Decoded d;
    d.feed(bytes, chunk);
    ASSERT_EQ(d.cycles.size(), 2u) << "chunk " << chunk;
    for (int i = 0; i < 7; ++i) {
      EXPECT_EQ(d.cycles[0].value[i], kPose[i]);
      EXPECT_EQ(d.cycles[1].value[i], kPose2[i]);
    }
    EXPECT_EQ(d.cycles[0].out_of_range, 0) << "boundary values are valid";
    EXPECT_EQ(d.cycles[1].out_of_range, 0);
    EXPECT_EQ(d.decoder.counters.bad_frames, 0u);
    EXPECT_EQ(d.decoder.counters.frames_ok, 14u);
  }
}

TEST(Krc2Decoder, SwitchedOnMidFrameSkipsWithoutCountingABadFrame) {
  std::vector<uint8_t> bytes = {0x42, 0x00, 0x01, 0x07, 0x00};
  put_cycle(bytes, kPose);
  Decoded d;
  d.feed(bytes);
  ASSERT_EQ(d.cycles.size(), 1u);
  EXPECT_EQ(d.decoder.counters.bytes_skipped, 5u);
  EXPECT_EQ(d.decoder.counters.bad_frames, 0u);
}

TEST(Krc2Decoder, NoiseBetweenCyclesCostsOneBadFrameAndNoCycle) {
  std::vector<uint8_t> bytes;
  put_cycle(bytes, kPose);
  for (uint8_t b : {0x99, 0xff, 0x01, 0x00, 0x00, 0x07, 0x80}) bytes.push_back(b);
  put_cycle(bytes, kPose2);
  Decoded d;
  d.feed(bytes, 5);
  ASSERT_EQ(d.cycles.size(), 2u);
  EXPECT_EQ(d.cycles[1].value[0], kPose2[0]);
  EXPECT_EQ(d.decoder.counters.bad_frames, 1u);
  EXPECT_EQ(d.decoder.counters.cycles_dropped, 0u);
  EXPECT_EQ(d.decoder.counters.bytes_skipped, 7u);
}

TEST(Krc2Decoder, OutOfOrderFrameDropsTheCycleAndResynchronises) {
  std::vector<uint8_t> bytes;
  put_frame(bytes, 1, 0);
  put_frame(bytes, 2, 0);
  put_frame(bytes, 4, 0);  // A3 missing
  put_frame(bytes, 5, 0);
  put_cycle(bytes, kPose);
  Decoded d;
  d.feed(bytes);
  ASSERT_EQ(d.cycles.size(), 1u);
  EXPECT_EQ(d.cycles[0].value[6], kPose[6]);
  EXPECT_EQ(d.decoder.counters.bad_frames, 1u);
  EXPECT_EQ(d.decoder.counters.cycles_dropped, 1u);
}

TEST(Krc2Decoder, AnA1FrameMidCycleStartsTheNextCycleAtOnce) {
  std::vector<uint8_t> bytes;
  for (uint32_t axis = 1; axis <= 4; ++axis) put_frame(bytes, axis, 0);  // A5..E1 lost
  put_cycle(bytes, kPose);
  Decoded d;
  d.feed(bytes);
  ASSERT_EQ(d.cycles.size(), 1u);
  EXPECT_EQ(d.cycles[0].value[0], kPose[0]);
  EXPECT_EQ(d.decoder.counters.bad_frames, 1u);
  EXPECT_EQ(d.decoder.counters.bytes_skipped, 0u);
}

TEST(Krc2Decoder, BadSignByteIsABadFrame) {
  std::vector<uint8_t> bytes;
  put_cycle(bytes, kPose);
  bytes[9 + 4] = 2;  // A2's sign byte
  put_cycle(bytes, kPose2);
  Decoded d;
  d.feed(bytes);
  ASSERT_EQ(d.cycles.size(), 1u);
  EXPECT_EQ(d.cycles[0].value[0], kPose2[0]);
  EXPECT_EQ(d.decoder.counters.bad_frames, 1u);
}

TEST(Krc2Decoder, ValuesOutsideTheirRangeAreFlaggedPerAxis) {
  const int64_t pose[7] = {18500001, 100000, 0, -35000001, 0, 0, -4000000000LL};
  std::vector<uint8_t> bytes;
  put_cycle(bytes, pose);
  Decoded d;
  d.feed(bytes);
  ASSERT_EQ(d.cycles.size(), 1u);
  EXPECT_EQ(d.cycles[0].out_of_range, 0b0001011) << "A1, A2, A4; E1 is unchecked";
  EXPECT_EQ(d.decoder.counters.range_errors, 3u);
  EXPECT_EQ(d.cycles[0].value[6], -4000000000LL);
}

}  // namespace

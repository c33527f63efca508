#include "krc2_decoder.h"

// Valid ranges in degrees (krc2.md), stored in the wire unit.
static const int64_t kMin[6] = {-185, -146, -119, -350, -125, -350};
static const int64_t kMax[6] = {185, 0, 155, 350, 125, 350};

int krc2_in_range(int axis, int64_t value) {
  if (axis == KRC2_AXES) return 1;  // the linear rail has no range in the model
  return value >= kMin[axis - 1] * KRC2_UNITS_PER_DEGREE &&
         value <= kMax[axis - 1] * KRC2_UNITS_PER_DEGREE;
}

static uint32_t read_u32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void krc2_init(Krc2Decoder* decoder) {
  Krc2Decoder zero = {0};
  *decoder = zero;
  decoder->next_axis = 1;
  decoder->resyncing = 1;
}

// While resynchronising, the window must begin like an A1 frame: 01 00 00 00 then a
// sign byte of 0 or 1. Only A1 is accepted because a cycle is only usable whole.
static int window_could_start_cycle(const Krc2Decoder* d) {
  static const uint8_t kA1Header[4] = {1, 0, 0, 0};
  for (uint8_t i = 0; i < d->window_len && i < 5; ++i) {
    if (i < 4 && d->window[i] != kA1Header[i]) return 0;
    if (i == 4 && d->window[i] > 1) return 0;
  }
  return 1;
}

static void drop_first_byte(Krc2Decoder* d) {
  for (uint8_t i = 1; i < d->window_len; ++i) d->window[i - 1] = d->window[i];
  --d->window_len;
  ++d->counters.bytes_skipped;
}

static void accept_frame(Krc2Decoder* d, uint32_t axis, int negative, uint32_t magnitude,
                         Krc2CycleSink sink, void* context) {
  int64_t value = negative ? -(int64_t)magnitude : (int64_t)magnitude;
  if (axis == 1) d->pending.out_of_range = 0;
  d->pending.value[axis - 1] = value;
  if (!krc2_in_range((int)axis, value)) d->pending.out_of_range |= (uint8_t)(1u << (axis - 1));
  ++d->counters.frames_ok;
  d->window_len = 0;
  d->next_axis = (uint8_t)(axis + 1);
  if (axis == KRC2_AXES) {
    d->next_axis = 1;
    ++d->counters.cycles_ok;
    for (int i = 0; i < KRC2_AXES; ++i)
      if (d->pending.out_of_range & (1u << i)) ++d->counters.range_errors;
    sink(context, &d->pending);
  }
}

// Looks at a full window where a frame is due.
static void judge_frame(Krc2Decoder* d, Krc2CycleSink sink, void* context) {
  uint32_t axis = read_u32(d->window);
  uint8_t sign = d->window[4];
  uint32_t magnitude = read_u32(d->window + 5);
  if (sign <= 1 && axis == d->next_axis) {
    accept_frame(d, axis, sign, magnitude, sink, context);
    return;
  }
  ++d->counters.bad_frames;
  if (d->next_axis != 1) ++d->counters.cycles_dropped;
  d->next_axis = 1;
  if (sign <= 1 && axis == 1) {
    // Frames went missing but a well-formed A1 frame arrived: it starts the next
    // cycle, no need to skip past it.
    accept_frame(d, axis, sign, magnitude, sink, context);
    return;
  }
  d->resyncing = 1;
  drop_first_byte(d);
}

void krc2_feed(Krc2Decoder* d, const uint8_t* bytes, size_t size, Krc2CycleSink sink,
               void* context) {
  for (size_t n = 0; n < size; ++n) {
    d->window[d->window_len++] = bytes[n];
    for (;;) {
      if (d->resyncing) {
        if (!window_could_start_cycle(d)) {
          drop_first_byte(d);
          continue;
        }
        if (d->window_len < KRC2_FRAME_BYTES) break;
        d->resyncing = 0;
      }
      if (d->window_len < KRC2_FRAME_BYTES) break;
      judge_frame(d, sink, context);
      if (!d->resyncing) break;  // window consumed
    }
  }
}

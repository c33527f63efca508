// Byte-stream decoder for the KUKA KR C2 axis frames (see docs in
// ../../../shared/design/krc2.md and README.md beside this file).
//
// Pure logic: no host calls, no allocation. The module (module.c) feeds it the
// bytes it reads from the serial port and turns decoded cycles into JSON.
#ifndef CONTINUUM_MODULES_KRC2_DECODER_H
#define CONTINUUM_MODULES_KRC2_DECODER_H

#include <stddef.h>
#include <stdint.h>

#define KRC2_AXES 7         // A1..A6 and the external axis E1
#define KRC2_FRAME_BYTES 9  // u32 axis number, sign byte, u32 magnitude (1e-5 degree)
#define KRC2_UNITS_PER_DEGREE 100000

typedef struct {
  uint32_t frames_ok;       // frames accepted in sequence
  uint32_t bad_frames;      // frames rejected where a frame was expected
  uint32_t bytes_skipped;   // bytes thrown away while looking for the next cycle start
  uint32_t cycles_ok;       // complete A1..E1 cycles delivered
  uint32_t cycles_dropped;  // partial cycles thrown away because a frame in them was bad
  uint32_t range_errors;    // axis values outside their valid range (in delivered cycles)
} Krc2Counters;

typedef struct {
  int64_t value[KRC2_AXES];  // signed angle in 1e-5 degree, controller sense
  uint8_t out_of_range;      // bit i set: axis i+1 is an error value, must not be used
} Krc2Cycle;

typedef void (*Krc2CycleSink)(void* context, const Krc2Cycle* cycle);

typedef struct {
  uint8_t window[KRC2_FRAME_BYTES];  // bytes of the frame being assembled
  uint8_t window_len;
  uint8_t next_axis;   // 1..7: the axis the next frame must carry
  uint8_t resyncing;   // 1 while looking for the start of an A1 frame
  Krc2Cycle pending;   // the cycle being assembled
  Krc2Counters counters;
} Krc2Decoder;

// Starts in resynchronisation: a receiver may be switched on mid-frame.
void krc2_init(Krc2Decoder* decoder);

// Consumes `size` bytes; calls `sink` once per complete cycle, in order.
void krc2_feed(Krc2Decoder* decoder, const uint8_t* bytes, size_t size, Krc2CycleSink sink,
               void* context);

// Valid range of axis `axis` (1..6) in 1e-5 degree; E1 (7) is unchecked.
int krc2_in_range(int axis, int64_t value);

#endif

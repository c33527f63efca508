/* The SDK's side of the delivery protocol: the inbox that ctm_alloc hands to
 * the host. A fixed static buffer rather than a heap: a stage handles one
 * message at a time, so one buffer reused per delivery is all it needs, and
 * the module stays free of any allocator. */
#include "continuum.h"

#ifndef CTM_INBOX_BYTES
#define CTM_INBOX_BYTES 4096
#endif

static uint8_t ctm_inbox[CTM_INBOX_BYTES] __attribute__((aligned(8)));

void* ctm_alloc(uint32_t size) {
  if (size > CTM_INBOX_BYTES) return 0;
  return ctm_inbox;
}

#ifndef OMI_DECODE_BASELINE_H
#define OMI_DECODE_BASELINE_H
#include <stdint.h>

/// Decodes `count` raw Opus frames (concatenated in `frames`, lengths in `lengths`) with one libopus decoder at
/// 16 kHz mono into `pcm`, the plainest possible loop. Returns the total samples decoded, or a negative libopus
/// error code.
long omi_baseline_decode(const uint8_t *frames, const int32_t *lengths, int count, int16_t *pcm, int max_frame);

#endif

#include "decode_baseline.h"
#include <opus/opus.h>

long omi_baseline_decode(const uint8_t *frames, const int32_t *lengths, int count, int16_t *pcm, int max_frame) {
    int error = 0;
    OpusDecoder *decoder = opus_decoder_create(16000, 1, &error);
    if (error != OPUS_OK) return error;
    long total = 0;
    const uint8_t *p = frames;
    for (int i = 0; i < count; i++) {
        int n = opus_decode(decoder, p, lengths[i], pcm, max_frame, 0);
        if (n < 0) { opus_decoder_destroy(decoder); return n; }
        total += n;
        p += lengths[i];
    }
    opus_decoder_destroy(decoder);
    return total;
}

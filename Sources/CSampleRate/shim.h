#ifndef OMI_CSAMPLERATE_SHIM_H
#define OMI_CSAMPLERATE_SHIM_H
// libsamplerate (Debian libsamplerate0-dev): sample-rate conversion for WAV input and the 8 kHz legacy codecs.
#include <samplerate.h>
#endif

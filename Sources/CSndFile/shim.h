#ifndef OMI_CSNDFILE_SHIM_H
#define OMI_CSNDFILE_SHIM_H
// libsndfile (Debian libsndfile1-dev): reading WAV/FLAC/Ogg/AIFF input and writing WAV output.
#include <sndfile.h>
#endif

#ifndef OMI_CPOCKETSPHINX_SHIM_H
#define OMI_CPOCKETSPHINX_SHIM_H
// pocketsphinx 5prealpha (Debian libpocketsphinx-dev): the embedded default transcriber. Configuration goes
// through cmd_ln_parse_r with an argv array (the variadic cmd_ln_init is not callable from Swift).
#include <pocketsphinx.h>
#endif

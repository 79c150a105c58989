#ifndef OMI_CDBUS_SHIM_H
#define OMI_CDBUS_SHIM_H
// libdbus (Debian libdbus-1-dev). The D-Bus type codes are defined as `((int) 'y')` char-literal casts, which
// Swift's importer skips; they are re-exported here as constants. String macros (DBUS_INTERFACE_*, DBUS_ERROR_*,
// DBUS_TYPE_*_AS_STRING) import as-is. The variadic `dbus_message_append_args`/`get_args` are not wrapped: the
// Swift side marshals with DBusMessageIter, which covers every type.
#include <dbus/dbus.h>

static const int omi_dbus_type_invalid = DBUS_TYPE_INVALID;
static const int omi_dbus_type_byte = DBUS_TYPE_BYTE;
static const int omi_dbus_type_boolean = DBUS_TYPE_BOOLEAN;
static const int omi_dbus_type_int16 = DBUS_TYPE_INT16;
static const int omi_dbus_type_uint16 = DBUS_TYPE_UINT16;
static const int omi_dbus_type_int32 = DBUS_TYPE_INT32;
static const int omi_dbus_type_uint32 = DBUS_TYPE_UINT32;
static const int omi_dbus_type_int64 = DBUS_TYPE_INT64;
static const int omi_dbus_type_uint64 = DBUS_TYPE_UINT64;
static const int omi_dbus_type_double = DBUS_TYPE_DOUBLE;
static const int omi_dbus_type_string = DBUS_TYPE_STRING;
static const int omi_dbus_type_object_path = DBUS_TYPE_OBJECT_PATH;
static const int omi_dbus_type_signature = DBUS_TYPE_SIGNATURE;
static const int omi_dbus_type_unix_fd = DBUS_TYPE_UNIX_FD;
static const int omi_dbus_type_array = DBUS_TYPE_ARRAY;
static const int omi_dbus_type_variant = DBUS_TYPE_VARIANT;
static const int omi_dbus_type_struct = DBUS_TYPE_STRUCT;
static const int omi_dbus_type_dict_entry = DBUS_TYPE_DICT_ENTRY;

static const int omi_dbus_struct_begin_char = DBUS_STRUCT_BEGIN_CHAR;
static const int omi_dbus_struct_end_char = DBUS_STRUCT_END_CHAR;
static const int omi_dbus_dict_entry_begin_char = DBUS_DICT_ENTRY_BEGIN_CHAR;
static const int omi_dbus_dict_entry_end_char = DBUS_DICT_ENTRY_END_CHAR;

static const int omi_dbus_timeout_infinite = DBUS_TIMEOUT_INFINITE;
static const int omi_dbus_timeout_use_default = DBUS_TIMEOUT_USE_DEFAULT;

#endif

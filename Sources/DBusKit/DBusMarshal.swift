import CDBus

/// Writing and reading `DBusValue`s with libdbus's message iterators.
///
/// Everything is validated before it reaches libdbus: libdbus treats invalid strings, paths or signatures as
/// programming errors and aborts the process, and a hostile peer or a bad config must never do that.
enum DBusMarshal {
    // MARK: Writing

    static func append(_ values: [DBusValue], to message: OpaquePointer) throws(DBusError) {
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(message, &iter)
        for value in values { try append(value, to: &iter) }
    }

    static func append(_ value: DBusValue, to iter: inout DBusMessageIter) throws(DBusError) {
        switch value {
        case .byte(var v): try basic(&iter, omi_dbus_type_byte, &v)
        case .bool(let b):
            var v: dbus_bool_t = b ? 1 : 0
            try basic(&iter, omi_dbus_type_boolean, &v)
        case .int16(var v): try basic(&iter, omi_dbus_type_int16, &v)
        case .uint16(var v): try basic(&iter, omi_dbus_type_uint16, &v)
        case .int32(var v): try basic(&iter, omi_dbus_type_int32, &v)
        case .uint32(var v): try basic(&iter, omi_dbus_type_uint32, &v)
        case .int64(var v): try basic(&iter, omi_dbus_type_int64, &v)
        case .uint64(var v): try basic(&iter, omi_dbus_type_uint64, &v)
        case .double(var v): try basic(&iter, omi_dbus_type_double, &v)
        case .string(let s): try appendString(s, type: omi_dbus_type_string, to: &iter)
        case .objectPath(let s): try appendString(s, type: omi_dbus_type_object_path, to: &iter)
        case .signature(let s): try appendString(s, type: omi_dbus_type_signature, to: &iter)
        case .unixFD(let fd):
            var raw = fd.fd
            guard raw >= 0 else { throw .invalidArgs("unix fd argument was already closed or taken") }
            try basic(&iter, omi_dbus_type_unix_fd, &raw)  // libdbus dups it; `fd` keeps its own copy
        case .bytes(let bytes):
            var sub = DBusMessageIter()
            try open(&iter, omi_dbus_type_array, "y", &sub)
            let ok = bytes.withUnsafeBufferPointer { buffer in
                var pointer = buffer.baseAddress
                return withUnsafeMutablePointer(to: &pointer) {
                    dbus_message_iter_append_fixed_array(&sub, omi_dbus_type_byte, $0, Int32(buffer.count))
                }
            }
            guard ok != 0 else { throw .failed("out of memory appending ay") }
            try close(&iter, &sub)
        case .array(let element, let items):
            try validateSignature(element, single: true)
            var sub = DBusMessageIter()
            try open(&iter, omi_dbus_type_array, element, &sub)
            for item in items {
                guard item.signature == element else {
                    throw .invalidArgs("array of \(element) holds a \(item.signature)")
                }
                try append(item, to: &sub)
            }
            try close(&iter, &sub)
        case .dictionary(let key, let valueSignature, let entries):
            let entrySignature = "{" + key + valueSignature + "}"
            try validateSignature("a" + entrySignature, single: true)
            var sub = DBusMessageIter()
            try open(&iter, omi_dbus_type_array, entrySignature, &sub)
            for entry in entries {
                guard entry.key.signature == key, entry.value.signature == valueSignature else {
                    throw .invalidArgs("dict entry \(entry.key.signature)→\(entry.value.signature) in a\(entrySignature)")
                }
                var pair = DBusMessageIter()
                try open(&sub, omi_dbus_type_dict_entry, nil, &pair)
                try append(entry.key, to: &pair)
                try append(entry.value, to: &pair)
                try close(&sub, &pair)
            }
            try close(&iter, &sub)
        case .structure(let fields):
            guard !fields.isEmpty else { throw .invalidArgs("an empty struct is not a D-Bus type") }
            var sub = DBusMessageIter()
            try open(&iter, omi_dbus_type_struct, nil, &sub)
            for field in fields { try append(field, to: &sub) }
            try close(&iter, &sub)
        case .variant(let inner):
            var sub = DBusMessageIter()
            try open(&iter, omi_dbus_type_variant, inner.signature, &sub)
            try append(inner, to: &sub)
            try close(&iter, &sub)
        }
    }

    private static func basic<T: BitwiseCopyable>(_ iter: inout DBusMessageIter, _ type: Int32, _ value: inout T)
        throws(DBusError)
    {
        guard dbus_message_iter_append_basic(&iter, type, &value) != 0 else {
            throw .failed("out of memory appending a value")
        }
    }

    private static func appendString(_ s: String, type: Int32, to iter: inout DBusMessageIter) throws(DBusError) {
        guard !s.utf8.contains(0) else { throw .invalidArgs("string contains a NUL byte") }
        if type == omi_dbus_type_object_path { try validatePath(s) }
        if type == omi_dbus_type_signature { try validateSignature(s, single: false) }
        let ok = s.withCString { c in
            var pointer: UnsafePointer<CChar>? = c
            return dbus_message_iter_append_basic(&iter, type, &pointer)
        }
        guard ok != 0 else { throw .failed("out of memory appending a string") }
    }

    private static func open(
        _ iter: inout DBusMessageIter, _ type: Int32, _ contained: String?, _ sub: inout DBusMessageIter
    ) throws(DBusError) {
        let ok: dbus_bool_t =
            if let contained {
                contained.withCString { dbus_message_iter_open_container(&iter, type, $0, &sub) }
            } else {
                dbus_message_iter_open_container(&iter, type, nil, &sub)
            }
        guard ok != 0 else { throw .failed("out of memory opening a container") }
    }

    private static func close(_ iter: inout DBusMessageIter, _ sub: inout DBusMessageIter) throws(DBusError) {
        guard dbus_message_iter_close_container(&iter, &sub) != 0 else {
            throw .failed("out of memory closing a container")
        }
    }

    static func validatePath(_ path: String) throws(DBusError) {
        guard !path.utf8.contains(0), dbus_validate_path(path, nil) != 0 else {
            throw .invalidArgs("'\(path)' is not a valid D-Bus object path")
        }
    }

    static func validateSignature(_ signature: String, single: Bool) throws(DBusError) {
        let valid =
            single ? dbus_signature_validate_single(signature, nil) : dbus_signature_validate(signature, nil)
        guard !signature.utf8.contains(0), valid != 0 else {
            throw .invalidArgs("'\(signature)' is not a valid D-Bus signature")
        }
    }

    // MARK: Reading

    /// All arguments of `message`.
    static func arguments(of message: OpaquePointer) -> [DBusValue] {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(message, &iter) != 0 else { return [] }
        var values: [DBusValue] = []
        repeat {
            if let value = read(&iter) { values.append(value) }
        } while dbus_message_iter_next(&iter) != 0
        return values
    }

    /// The value at the iterator (libdbus has validated the message, so every type here is well formed).
    static func read(_ iter: inout DBusMessageIter) -> DBusValue? {
        let type = dbus_message_iter_get_arg_type(&iter)
        var basic = DBusBasicValue()
        switch type {
        case omi_dbus_type_byte:
            dbus_message_iter_get_basic(&iter, &basic)
            return .byte(basic.byt)
        case omi_dbus_type_boolean:
            dbus_message_iter_get_basic(&iter, &basic)
            return .bool(basic.bool_val != 0)
        case omi_dbus_type_int16:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int16(basic.i16)
        case omi_dbus_type_uint16:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint16(basic.u16)
        case omi_dbus_type_int32:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int32(basic.i32)
        case omi_dbus_type_uint32:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint32(basic.u32)
        case omi_dbus_type_int64:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int64(Int64(basic.i64))
        case omi_dbus_type_uint64:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint64(UInt64(basic.u64))
        case omi_dbus_type_double:
            dbus_message_iter_get_basic(&iter, &basic)
            return .double(basic.dbl)
        case omi_dbus_type_string, omi_dbus_type_object_path, omi_dbus_type_signature:
            dbus_message_iter_get_basic(&iter, &basic)
            let s = basic.str.map { String(cString: $0) } ?? ""
            return type == omi_dbus_type_string ? .string(s) : type == omi_dbus_type_object_path ? .objectPath(s) : .signature(s)
        case omi_dbus_type_unix_fd:
            dbus_message_iter_get_basic(&iter, &basic)
            return .unixFD(OwnedFD(basic.fd))  // libdbus handed us a dup: ours to close
        case omi_dbus_type_variant:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            return read(&sub).map(DBusValue.variant)
        case omi_dbus_type_struct:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var fields: [DBusValue] = []
            repeat { if let v = read(&sub) { fields.append(v) } } while dbus_message_iter_next(&sub) != 0
            return .structure(fields)
        case omi_dbus_type_array:
            return readArray(&iter)
        default:
            return nil
        }
    }

    private static func readArray(_ iter: inout DBusMessageIter) -> DBusValue {
        let elementType = dbus_message_iter_get_element_type(&iter)
        var sub = DBusMessageIter()
        dbus_message_iter_recurse(&iter, &sub)
        if elementType == omi_dbus_type_byte {
            var pointer: UnsafeMutableRawPointer?
            var count: Int32 = 0
            dbus_message_iter_get_fixed_array(&sub, &pointer, &count)
            guard let pointer, count > 0 else { return .bytes([]) }
            return .bytes(Array(UnsafeRawBufferPointer(start: pointer, count: Int(count))))
        }
        let signature = containedSignature(&iter)
        if elementType == omi_dbus_type_dict_entry {
            let inner = signature.dropFirst().dropLast()  // "{kv}" → "kv"
            let keySignature = String(inner.prefix(1))
            var entries: [DBusDictEntry] = []
            while dbus_message_iter_get_arg_type(&sub) == omi_dbus_type_dict_entry {
                var pair = DBusMessageIter()
                dbus_message_iter_recurse(&sub, &pair)
                let key = read(&pair)
                dbus_message_iter_next(&pair)
                let value = read(&pair)
                if let key, let value { entries.append(DBusDictEntry(key, value)) }
                dbus_message_iter_next(&sub)
            }
            return .dictionary(key: keySignature, value: String(inner.dropFirst()), entries)
        }
        var items: [DBusValue] = []
        while dbus_message_iter_get_arg_type(&sub) != omi_dbus_type_invalid {
            if let v = read(&sub) { items.append(v) }
            dbus_message_iter_next(&sub)
        }
        return .array(element: signature, items)
    }

    /// The element signature of the array at `iter`.
    private static func containedSignature(_ iter: inout DBusMessageIter) -> String {
        guard let raw = dbus_message_iter_get_signature(&iter) else { return "" }
        defer { dbus_free(raw) }
        return String(String(cString: raw).dropFirst())  // "a…" → "…"
    }
}

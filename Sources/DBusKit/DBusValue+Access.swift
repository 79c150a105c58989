/// Convenience readers for the shapes BlueZ and the freedesktop interfaces use.
extension DBusValue {
    /// Unwraps any number of variant layers.
    public var unwrapped: DBusValue {
        if case .variant(let inner) = self { return inner.unwrapped }
        return self
    }

    public var string: String? {
        switch unwrapped {
        case .string(let s), .objectPath(let s), .signature(let s): s
        default: nil
        }
    }

    public var bool: Bool? {
        if case .bool(let b) = unwrapped { return b }
        return nil
    }

    /// Any integer type, widened.
    public var integer: Int64? {
        switch unwrapped {
        case .byte(let v): Int64(v)
        case .int16(let v): Int64(v)
        case .uint16(let v): Int64(v)
        case .int32(let v): Int64(v)
        case .uint32(let v): Int64(v)
        case .int64(let v): v
        case .uint64(let v): Int64(clamping: v)
        default: nil
        }
    }

    /// `ay`, however it was built.
    public var bytes: [UInt8]? {
        switch unwrapped {
        case .bytes(let b): return b
        case .array("y", let items):
            return items.compactMap { if case .byte(let b) = $0 { b } else { nil } }
        default: return nil
        }
    }

    /// `as` (or `ao`) as strings.
    public var strings: [String]? {
        guard case .array(_, let items) = unwrapped else { return nil }
        return items.compactMap(\.string)
    }

    public var array: [DBusValue]? {
        switch unwrapped {
        case .array(_, let items): items
        case .bytes(let b): b.map(DBusValue.byte)
        default: nil
        }
    }

    /// A dictionary keyed by strings or object paths (`a{sv}`, `a{oa{sa{sv}}}`, …).
    public var dictionary: [String: DBusValue]? {
        guard case .dictionary(_, _, let entries) = unwrapped else { return nil }
        var out: [String: DBusValue] = [:]
        for entry in entries { if let key = entry.key.string { out[key] = entry.value } }
        return out
    }

    /// Builds `a{sv}` from a Swift dictionary; values are wrapped in variants. Keys are sorted for stable output.
    public static func properties(_ values: [String: DBusValue]) -> DBusValue {
        .dictionary(
            key: "s", value: "v",
            values.sorted { $0.key < $1.key }.map { DBusDictEntry(.string($0.key), .variant($0.value)) })
    }

    /// `as`.
    public static func strings(_ values: [String]) -> DBusValue { .array(element: "s", values.map(DBusValue.string)) }
}

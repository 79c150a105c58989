/// A per-category setting of a channel (a desktop urgency, a haptic level, an ntfy priority), keyed by exact
/// event categories (`device.battery_low`) or by prefix patterns (`device.*`), with a fallback for the rest.
///
/// The most specific entry wins: the exact category, then the pattern of each shorter prefix in turn
/// (`app.proactive.x` tries `app.proactive.x`, `app.proactive.*`, `app.*`), then `fallback`. So
/// `["device.*": a, "device.battery_low": b]` gives `b` for `device.battery_low` and `a` for `device.paired`,
/// whatever the order the entries were written in.
public struct CategoryMap<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Exact categories and `prefix.*` patterns.
    public var entries: [String: Value]
    /// For categories no entry matches.
    public var fallback: Value

    public init(_ entries: [String: Value], fallback: Value) {
        self.entries = entries
        self.fallback = fallback
    }

    /// The value for `category`: the most specific entry, else `fallback`.
    public func value(for category: String) -> Value {
        if let exact = entries[category] { return exact }
        var prefix = Substring(category)
        while let dot = prefix.lastIndex(of: ".") {
            prefix = prefix[..<dot]
            if let value = entries[prefix + ".*"] { return value }
        }
        return fallback
    }

    public subscript(category: String) -> Value { value(for: category) }

    /// A copy with `entries` added, replacing entries for the same keys: for overriding a few defaults.
    public func merging(_ overrides: [String: Value]) -> CategoryMap {
        CategoryMap(entries.merging(overrides) { _, new in new }, fallback: fallback)
    }
}

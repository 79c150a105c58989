public import Foundation

/// A per-category, per-channel rate limit (omi-contract §7 "Category limits"): at most `count` deliveries of
/// `category` on `channel` per user in any `window`. Deliveries over the limit are recorded as failed with a
/// `RATE_LIMITED` reason, so "why didn't I get it" has an answer in the deliveries list.
public struct CategoryLimit: Sendable, Equatable, Hashable {
    public var category: String
    public var channel: ChannelName
    public var count: Int
    public var window: TimeInterval

    public init(category: String, channel: ChannelName, count: Int, window: TimeInterval) {
        self.category = category
        self.channel = channel
        self.count = count
        self.window = window
    }

    /// The categories that flap (a battery hovering at the threshold, a device in and out of range, a breaker
    /// opening and closing): limited by default to 1 per 24 h on the channels that interrupt a person.
    public static let flappingCategories = ["device.battery_low", "device.disconnected", "webhook.circuit_open"]

    /// 1 per 24 h for each flapping category on desktop, email and sms (omi-contract §7).
    public static let defaults: [CategoryLimit] = flappingCategories.flatMap { category in
        [ChannelName.desktop, .email, .sms].map { CategoryLimit(category: category, channel: $0, count: 1, window: 86_400) }
    }
}

/// How the centre chooses channels: preferences resolve user override → bridge-wide default → `defaultEnabled`;
/// `requested` narrows (preferences still apply); `forced` bypasses preferences and category limits.
public struct NotificationPolicy: Sendable, Equatable {
    /// The value of a (category, channel) pair that neither the bridge-wide defaults nor the user set: on, so a
    /// channel a user configures starts delivering without also editing preferences.
    public var defaultEnabled: Bool
    public var limits: [CategoryLimit]

    public init(defaultEnabled: Bool = true, limits: [CategoryLimit] = CategoryLimit.defaults) {
        self.defaultEnabled = defaultEnabled
        self.limits = limits
    }

    /// Whether `channel` is on for `category`, given the bridge-wide (`tenant`) and the user's preferences
    /// (category → channel name → enabled).
    public func isEnabled(
        _ channel: ChannelName, category: String, tenant: [String: [String: Bool]], user: [String: [String: Bool]]
    ) -> Bool {
        user[category]?[channel.rawValue] ?? tenant[category]?[channel.rawValue] ?? defaultEnabled
    }

    /// The channels to try, in `ChannelName` order: (`requested` or every channel) filtered by preferences,
    /// plus every `forced` channel.
    public func channels(
        category: String, requested: Set<ChannelName>?, forced: Set<ChannelName>,
        tenant: [String: [String: Bool]], user: [String: [String: Bool]]
    ) -> [ChannelName] {
        let candidates = requested ?? Set(ChannelName.allCases)
        return ChannelName.allCases.filter { channel in
            forced.contains(channel)
                || (candidates.contains(channel) && isEnabled(channel, category: category, tenant: tenant, user: user))
        }
    }

    /// The limit for (`category`, `channel`), if any (the first listed wins).
    public func limit(category: String, channel: ChannelName) -> CategoryLimit? {
        limits.first { $0.category == category && $0.channel == channel }
    }

    /// The merged view of `scope=all`: for every category either scope names, every channel's effective value.
    public func merged(tenant: [String: [String: Bool]], user: [String: [String: Bool]]) -> [String: [String: Bool]] {
        var merged: [String: [String: Bool]] = [:]
        for category in Set(tenant.keys).union(user.keys) {
            merged[category] = Dictionary(
                uniqueKeysWithValues: ChannelName.allCases.map {
                    ($0.rawValue, isEnabled($0, category: category, tenant: tenant, user: user))
                })
        }
        return merged
    }
}

public import Foundation

/// The delivery channels of the notification centre (omi-contract §7). The raw value is the name used in
/// preferences, deliveries, the status endpoint and the config.
public enum ChannelName: String, CaseIterable, Sendable, Codable, Comparable {
    case inApp = "in_app"
    case desktop
    case deviceHaptic = "device_haptic"
    case webhook
    case ntfy
    case email
    case sms

    public static func < (lhs: ChannelName, rhs: ChannelName) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Whether a channel can deliver now, and when not, a reason code the status endpoint reports
/// (`NOT_CONFIGURED`, `DEVICE_DISCONNECTED`, `NO_SESSION_BUS`, `NO_NOTIFICATION_SERVER`, …).
public struct ChannelReadiness: Sendable, Equatable {
    public var ready: Bool
    public var reason: String?

    public static let ready = ChannelReadiness(ready: true, reason: nil)

    public static func notReady(_ reason: String) -> ChannelReadiness {
        ChannelReadiness(ready: false, reason: reason)
    }

    public init(ready: Bool, reason: String?) {
        self.ready = ready
        self.reason = reason
    }
}

/// What a channel delivers: one stored notification, as the user will see it.
public struct ChannelMessage: Sendable, Equatable, Codable {
    /// The notification's id (a UUID string): the feed item's id, and the id deliveries refer to.
    public var notificationID: String
    public var userID: String
    public var appID: String?
    /// `app.message`, `app.proactive`, `app.direct`, `conversation.created`, `device.battery_low`, …
    public var category: String
    public var title: String
    public var subtitle: String?
    public var body: String
    public var metadata: [String: String]
    public var createdAt: Date

    public init(
        notificationID: String, userID: String, appID: String?, category: String, title: String,
        subtitle: String? = nil, body: String, metadata: [String: String] = [:], createdAt: Date
    ) {
        self.notificationID = notificationID
        self.userID = userID
        self.appID = appID
        self.category = category
        self.title = title
        self.subtitle = subtitle
        self.body = body
        self.metadata = metadata
        self.createdAt = createdAt
    }
}

/// Why one delivery attempt failed. `reason` goes into the delivery's `last_error` and the log, so it must
/// never contain a secret (a password, a token, a signing key).
public struct ChannelFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short, specific reason: `HTTP 503 from http://127.0.0.1:9/hook`, `SMTP 535 authentication failed`.
    public var reason: String
    /// Whether trying again later can help (network errors, 408/425/429/5xx, SMTP 4xx), or the attempt is final.
    public var retryable: Bool
    /// How long the receiver asked us to wait (`Retry-After`), if it did.
    public var retryAfter: TimeInterval?

    public init(_ reason: String, retryable: Bool, retryAfter: TimeInterval? = nil) {
        self.reason = reason
        self.retryable = retryable
        self.retryAfter = retryAfter
    }

    public var description: String { reason }
}

/// One delivery channel. `send` makes exactly one attempt; the centre's delivery worker owns retries,
/// backoff and durability, so channels stay small and each is tested against a real peer.
public protocol NotificationChannel: Sendable {
    var name: ChannelName { get }
    /// Cheap and side-effect free: the status endpoint calls it on every request.
    func readiness() async -> ChannelReadiness
    /// One attempt to deliver `message`.
    func send(_ message: ChannelMessage) async throws(ChannelFailure)
}

public import Foundation
public import Store

/// A notification the bridge produced (omi-contract §7): an app message, a proactive notification, a
/// conversation or device event. Everything that reaches the user goes through `NotificationDelivery`.
public struct BridgeNotification: Sendable, Equatable {
    public var userID: String
    public var appID: String?
    /// `app.message`, `app.proactive`, `app.direct`, `conversation.created`, `device.battery_low`, …
    public var category: String
    public var title: String
    public var subtitle: String?
    public var body: String
    public var metadata: [String: String]

    public init(
        userID: String, appID: String?, category: String, title: String, subtitle: String? = nil, body: String,
        metadata: [String: String] = [:]
    ) {
        self.userID = userID
        self.appID = appID
        self.category = category
        self.title = title
        self.subtitle = subtitle
        self.body = body
        self.metadata = metadata
    }
}

/// Where notifications go: the hand-off between the app flows and the notification centre, which implements
/// it with its channels (feed, desktop, device haptic, webhook, ntfy, email) without changing the callers.
public protocol NotificationDelivery: Sendable {
    func deliver(_ notification: BridgeNotification) async
}

/// Until the notification centre's channels are configured: every notification goes into the feed table and
/// to the log.
public struct FeedDelivery: NotificationDelivery {
    public let database: BridgeDatabase
    public let log: @Sendable (String) -> Void
    public let now: @Sendable () -> Date

    public init(database: BridgeDatabase, log: @escaping @Sendable (String) -> Void, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.log = log
        self.now = now
    }

    public func deliver(_ notification: BridgeNotification) async {
        let metadata = (try? JSONSerialization.data(withJSONObject: notification.metadata, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        do {
            _ = try database.feed.insert(
                userID: notification.userID, appID: notification.appID, eventCategory: notification.category,
                title: notification.title, subtitle: notification.subtitle, message: notification.body,
                metadata: metadata, now: now())
            log("notification \(notification.category): \(notification.title): \(notification.body)")
        } catch {
            log("notification \(notification.category) not stored in the feed: \(error.description)")
        }
    }
}

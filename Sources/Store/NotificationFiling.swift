public import Foundation
import GRDB

/// One notification as the centre files it: its feed item (nil when `in_app` is off for it) and its delivery rows,
/// written together so a notification is never stored half-way.
public struct NotificationFiling: Sendable, Equatable {
    public var feedItem: FeedItem?
    public var deliveries: [DeliveryRecord]

    public init(feedItem: FeedItem?, deliveries: [DeliveryRecord]) {
        self.feedItem = feedItem
        self.deliveries = deliveries
    }
}

extension BridgeDatabase {
    /// Writes every filing in one transaction: all of them or, on any error, none. One commit (one fsync in WAL
    /// mode with `synchronous=FULL`) for many notifications is what lets the direct-notification route keep up
    /// with thousands of requests a second without weakening durability: the centre's group commit batches the
    /// filings that arrive while the previous commit is on disk.
    public func file(_ filings: [NotificationFiling]) throws(StoreError) {
        let doing = filings.count == 1 ? "filing a notification" : "filing \(filings.count) notifications"
        for filing in filings {
            if let item = filing.feedItem, !Self.isJSONObject(item.metadata) {
                throw StoreError(path: path, doing: doing, reason: "metadata of \(item.id) is not a JSON object")
            }
            if let bad = filing.deliveries.first(where: { !Self.isJSONObject($0.payload) }) {
                throw StoreError(path: path, doing: doing, reason: "the payload of delivery \(bad.id) is not a JSON object")
            }
        }
        try write(doing) { db in
            for filing in filings {
                if let item = filing.feedItem { try FeedStore.write(item, db) }
                for delivery in filing.deliveries { try DeliveryStore.write(delivery, db) }
            }
        }
    }

    static func isJSONObject(_ text: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any]
    }
}

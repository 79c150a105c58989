import Foundation
import Hummingbird
import Store

/// `/v1/notifications`: the user's notification feed (omi-contract §7). Newest first with `total`; mark one
/// read, read all, delete one, delete the read ones — all idempotent and scoped to the local user.
struct FeedRoutes: Sendable {
    static let limits = 0...1000

    let feed: FeedStore
    let userID: String

    func register(on group: RouterGroup<BridgeRequestContext>) {
        group.get { request, _ in
            let query = request.uri.queryParameters
            let limit = try Self.integer(query.get("limit"), "limit", default: 50, in: Self.limits)
            let offset = try Self.integer(query.get("offset"), "offset", default: 0, in: 0...Int(Int32.max))
            let unreadOnly: Bool
            switch query.get("unread_only") {
            case nil: unreadOnly = false
            case "true": unreadOnly = true
            case "false": unreadOnly = false
            default: throw APIError.invalid("unread_only", "Parameter unread_only must be true or false.")
            }
            let (items, total) = try feed.list(userID: userID, limit: limit, offset: offset, unreadOnly: unreadOnly)
            return try JSONResponse.make(
                PageBody(data: items.map(FeedItemBody.init), total: total, offset: offset, limit: limit))
        }
        group.post("read-all") { _, _ in
            _ = try feed.markAllRead(userID: userID)
            return try JSONResponse.make(SuccessBody())
        }
        group.delete("read") { _, _ in
            _ = try feed.deleteRead(userID: userID)
            return try JSONResponse.make(SuccessBody())
        }
        group.post("{id}/read") { _, context in
            _ = try feed.markRead(id: context.parameters.require("id"), userID: userID)
            return try JSONResponse.make(SuccessBody())
        }
        group.delete("{id}") { _, context in
            _ = try feed.delete(id: context.parameters.require("id"), userID: userID)
            return try JSONResponse.make(SuccessBody())
        }
    }

    static func integer(_ text: String?, _ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.invalid(
                name, "Parameter \(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }

    /// One feed item: `{id, user_id, app_id, event_category, title, subtitle, message, is_read, metadata, created_at}`.
    struct FeedItemBody: Encodable {
        var item: FeedItem

        init(_ item: FeedItem) { self.item = item }

        enum Keys: String, CodingKey {
            case id, title, subtitle, message, metadata
            case userID = "user_id", appID = "app_id", eventCategory = "event_category", isRead = "is_read"
            case createdAt = "created_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(item.id, forKey: .id)
            try c.encode(item.userID, forKey: .userID)
            try c.encode(item.appID, forKey: .appID)
            try c.encode(item.eventCategory, forKey: .eventCategory)
            try c.encode(item.title, forKey: .title)
            try c.encode(item.subtitle, forKey: .subtitle)
            try c.encode(item.message, forKey: .message)
            try c.encode(item.isRead, forKey: .isRead)
            let metadata = (try? JSONDecoder().decode(JSONValue.self, from: Data(item.metadata.utf8))) ?? .object([:])
            try c.encode(metadata, forKey: .metadata)
            try c.encode(item.createdAt, forKey: .createdAt)
        }
    }
}

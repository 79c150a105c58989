import ArgumentParser
import Foundation
import Store

/// `omi-bridge feed`: the local notification feed (what the in_app channel delivered), newest first, as the HTTP
/// API's `GET /v1/notifications` serves it to the dashboard.
struct FeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "List the user's notification feed, newest first.",
        discussion: "Text: time, category, app, title: message (unread marked *). With --json, one object per line.")
    @Option(name: .long, help: "At most this many notifications.") var limit = 20
    @Flag(name: .customLong("unread-only"), help: "Only unread notifications.") var unreadOnly = false
    @Flag(name: .long, help: "One JSON object per line: id, event_category, app_id, title, message, is_read, created_at.")
    var json = false
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        let uid = try BridgeSettings.load(store.config).apps.uid
        let (database, path) = try store.database(create: false)
        let page = try database.map { db in
            try storing { () throws(StoreError) in try db.feed.list(userID: uid, limit: limit, unreadOnly: unreadOnly) }
        }
        let items = page?.items ?? []
        if json {
            for item in items {
                var object: [String: Any] = [
                    "id": item.id, "event_category": item.eventCategory, "title": item.title, "message": item.message,
                    "is_read": item.isRead, "created_at": isoTime(item.createdAt),
                ]
                object["app_id"] = item.appID
                object["subtitle"] = item.subtitle
                print(jsonLine(object))
            }
            return
        }
        guard !items.isEmpty else {
            print("no notifications for \(uid) in \(path)")
            return
        }
        for item in items {
            let app = item.appID.map { " \($0)" } ?? ""
            print("\(item.isRead ? " " : "*") \(isoTime(item.createdAt)) \(item.eventCategory)\(app) \(item.title): "
                + truncated(item.message, 200))
        }
        print("\(items.count) of \(page?.total ?? 0) notifications")
    }
}

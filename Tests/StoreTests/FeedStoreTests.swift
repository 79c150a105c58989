import Foundation
import Store
import Testing

@Suite("Notification feed")
struct FeedStoreTests {
    private func filled() throws -> (FeedStore, [FeedItem]) {
        let feed = try BridgeDatabase.inMemory().feed
        var items: [FeedItem] = []
        for index in 0..<5 {
            items.append(
                try feed.insert(
                    userID: "u1", appID: index == 0 ? nil : "coach", eventCategory: "app.proactive",
                    title: "Coach says", subtitle: index == 1 ? "sub" : nil, message: "m\(index)",
                    metadata: #"{"n":\#(index)}"#, now: instant(Double(index))))
        }
        try feed.insert(
            userID: "u2", appID: nil, eventCategory: "device.battery_low", title: "Battery", message: "5%",
            now: instant(10))
        return (feed, items)
    }

    @Test("Inserted items read back unread with every field")
    func insert() throws {
        let (feed, items) = try filled()
        #expect(items[1].subtitle == "sub" && items[0].appID == nil && !items[1].isRead)
        #expect(try feed.item(id: items[1].id, userID: "u1") == items[1])
        #expect(try feed.item(id: items[1].id, userID: "u2") == nil)
        #expect(items[3].metadata == #"{"n":3}"#)
    }

    @Test("An item filed with an id keeps it; filing the same id again fails and adds nothing")
    func insertWithID() throws {
        let feed = try BridgeDatabase.inMemory().feed
        let item = try feed.insert(
            id: "chosen-id", userID: "u1", appID: nil, eventCategory: "app.direct", title: "t", message: "m",
            now: instant())
        #expect(item.id == "chosen-id")
        #expect(try feed.item(id: "chosen-id", userID: "u1") == item)
        #expect(throws: StoreError.self) {
            try feed.insert(
                id: "chosen-id", userID: "u1", appID: nil, eventCategory: "app.direct", title: "again",
                message: "m", now: instant(1))
        }
        #expect(try feed.list(userID: "u1").items == [item])
    }

    @Test("Metadata must be a JSON object")
    func metadataIsAnObject() throws {
        let feed = try BridgeDatabase.inMemory().feed
        for bad in ["[1]", "not json", ""] {
            #expect(throws: StoreError.self) {
                try feed.insert(
                    userID: "u", appID: nil, eventCategory: "x", title: "t", message: "m", metadata: bad,
                    now: instant())
            }
        }
    }

    @Test("Listing is newest first, paged, with the total, per user")
    func paging() throws {
        let (feed, items) = try filled()
        let page = try feed.list(userID: "u1", limit: 2, offset: 1)
        #expect(page.items.map(\.message) == ["m3", "m2"])
        #expect(page.total == 5)
        #expect(try feed.list(userID: "u1").items == items.reversed())
        #expect(try feed.list(userID: "u1", limit: 10, offset: 10).items.isEmpty)
        #expect(try feed.list(userID: "u2").total == 1)
        #expect(try feed.list(userID: "nobody").total == 0)
    }

    @Test("Marking read is idempotent and scoped to the user; unread-only lists and counts what is left")
    func markRead() throws {
        let (feed, items) = try filled()
        #expect(try feed.markRead(id: items[4].id, userID: "u1"))
        #expect(try !feed.markRead(id: items[4].id, userID: "u1"))
        #expect(try !feed.markRead(id: "unknown", userID: "u1"))
        #expect(try !feed.markRead(id: items[3].id, userID: "u2"))
        let unread = try feed.list(userID: "u1", unreadOnly: true)
        #expect(unread.items.map(\.message) == ["m3", "m2", "m1", "m0"])
        #expect(unread.total == 4)
        #expect(try feed.item(id: items[4].id, userID: "u1")?.isRead == true)

        #expect(try feed.markAllRead(userID: "u1") == 4)
        #expect(try feed.markAllRead(userID: "u1") == 0)
        #expect(try feed.list(userID: "u1", unreadOnly: true).total == 0)
        #expect(try feed.list(userID: "u2", unreadOnly: true).total == 1)
    }

    @Test("Deleting is idempotent and scoped to the user; delete-read keeps unread items")
    func delete() throws {
        let (feed, items) = try filled()
        #expect(try !feed.delete(id: items[0].id, userID: "u2"))
        #expect(try feed.delete(id: items[0].id, userID: "u1"))
        #expect(try !feed.delete(id: items[0].id, userID: "u1"))
        try feed.markRead(id: items[1].id, userID: "u1")
        try feed.markRead(id: items[2].id, userID: "u1")
        #expect(try feed.deleteRead(userID: "u1") == 2)
        #expect(try feed.deleteRead(userID: "u1") == 0)
        #expect(try feed.list(userID: "u1").items.map(\.message) == ["m4", "m3"])
        #expect(try feed.list(userID: "u2").total == 1)
    }
}

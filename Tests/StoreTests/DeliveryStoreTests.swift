import Foundation
import GRDB
import Testing

@testable import Store

@Suite("Notification deliveries")
struct DeliveryStoreTests {
    /// Enqueues a delivery of notification `notification`, its snapshot and payload derived from the arguments.
    @discardableResult
    private func enqueue(
        _ deliveries: DeliveryStore, _ notification: String = "n1", user: String = "u1", channel: String = "desktop",
        category: String = "app.proactive", status: DeliveryStatus = .queued, lastError: String? = nil,
        at seconds: Double = 0
    ) throws -> DeliveryRecord {
        try deliveries.enqueue(
            notificationID: notification, userID: user, channel: channel, eventCategory: category,
            title: "Title of \(notification)", notificationCreatedAt: instant(seconds - 1),
            payload: #"{"notification_id":"\#(notification)"}"#, status: status, lastError: lastError,
            now: instant(seconds))
    }

    @Test("An enqueued delivery is queued, due at once, with every field stored")
    func enqueueStoresEverything() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let payload = #"{"title":"Coach says","body":"Stand up","metadata":{"k":"v"}}"#
        let record = try deliveries.enqueue(
            notificationID: "n-42", userID: "u1", channel: "desktop", eventCategory: "app.proactive",
            title: "Coach says", notificationCreatedAt: instant(3), payload: payload, now: instant(5))
        #expect(UUID(uuidString: record.id) != nil)
        #expect(
            record
                == DeliveryRecord(
                    id: record.id, notificationID: "n-42", userID: "u1", channel: "desktop", status: .queued,
                    attemptCount: 0, lastError: nil, nextAttemptAt: instant(5), createdAt: instant(5),
                    updatedAt: instant(5), eventCategory: "app.proactive", title: "Coach says",
                    notificationCreatedAt: instant(3), payload: payload))
        #expect(try deliveries.delivery(id: record.id) == record)
        #expect(try deliveries.delivery(id: "unknown") == nil)
        #expect(try deliveries.due(now: instant(5), limit: 10) == [record])
        #expect(try deliveries.due(now: instant(4.999), limit: 10).isEmpty)
        #expect(try deliveries.nextDueDate() == instant(5))
        #expect(try deliveries.queueDepth() == 1)
    }

    @Test("The payload must be a JSON object")
    func payloadIsAnObject() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        for bad in ["[1]", "\"text\"", "not json", ""] {
            let error = #expect(throws: StoreError.self) {
                try deliveries.enqueue(
                    notificationID: "n", userID: "u", channel: "email", eventCategory: "x", title: "t",
                    notificationCreatedAt: instant(), payload: bad, now: instant())
            }
            #expect(error?.reason == "the payload is not a JSON object")
        }
        #expect(try deliveries.list().total == 0)
    }

    @Test("A delivery made at once is sent with one attempt; a suppressed one is failed with none; neither is due")
    func enqueueFinished() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let sent = try enqueue(deliveries, channel: "in_app", status: .sent)
        let suppressed = try enqueue(
            deliveries, channel: "desktop", category: "device.battery_low", status: .failed,
            lastError: "category limit: 1 per 24 h")
        #expect(sent.status == .sent && sent.attemptCount == 1 && sent.lastError == nil)
        #expect(suppressed.status == .failed && suppressed.attemptCount == 0)
        #expect(try deliveries.delivery(id: suppressed.id)?.lastError == "category limit: 1 per 24 h")
        #expect(try deliveries.due(now: instant(1000), limit: 10).isEmpty)
        #expect(try deliveries.nextDueDate() == nil)
        #expect(try deliveries.queueDepth() == 0)
    }

    @Test("Due deliveries come by next attempt time, then enqueue order, at most limit")
    func dueOrdering() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let a = try enqueue(deliveries, "a", at: 0)
        let b = try enqueue(deliveries, "b", at: 2)
        let c = try enqueue(deliveries, "c", at: 2)
        let d = try enqueue(deliveries, "d", at: 1)
        try deliveries.reschedule(id: a.id, attempts: 1, error: "timeout", nextAttemptAt: instant(3), now: instant(1))
        #expect(try deliveries.due(now: instant(10), limit: 10).map(\.id) == [d.id, b.id, c.id, a.id])
        #expect(try deliveries.due(now: instant(10), limit: 2).map(\.id) == [d.id, b.id])
        #expect(try deliveries.due(now: instant(2), limit: 10).map(\.id) == [d.id, b.id, c.id])
        #expect(try deliveries.due(now: instant(10), limit: 0).isEmpty)
        #expect(try deliveries.nextDueDate() == instant(1))
    }

    @Test("A rescheduled delivery stays queued and is not due before its time")
    func reschedule() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let record = try enqueue(deliveries)
        let retried = try deliveries.reschedule(
            id: record.id, attempts: 1, error: "HTTP 503 from http://127.0.0.1:9/hook", nextAttemptAt: instant(30),
            now: instant(1))
        #expect(retried.status == .queued)
        #expect(retried.attemptCount == 1)
        #expect(retried.lastError == "HTTP 503 from http://127.0.0.1:9/hook")
        #expect(retried.nextAttemptAt == instant(30))
        #expect(retried.updatedAt == instant(1) && retried.createdAt == instant(0))
        #expect(try deliveries.delivery(id: record.id) == retried)
        #expect(try deliveries.due(now: instant(29.999), limit: 10).isEmpty)
        #expect(try deliveries.nextDueDate() == instant(30))
        #expect(try deliveries.queueDepth() == 1)
        #expect(try deliveries.due(now: instant(30), limit: 10) == [retried])
    }

    @Test("markSent ends a delivery, clearing its error; markFailed ends one keeping the reason")
    func markSentAndFailed() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let first = try enqueue(deliveries, "n1")
        let second = try enqueue(deliveries, "n2")
        try deliveries.reschedule(id: first.id, attempts: 1, error: "busy", nextAttemptAt: instant(5), now: instant(1))
        let sent = try deliveries.markSent(id: first.id, attempts: 2, now: instant(5))
        #expect(sent.status == .sent && sent.attemptCount == 2 && sent.lastError == nil)
        #expect(sent.updatedAt == instant(5))
        let failed = try deliveries.markFailed(id: second.id, attempts: 1, error: "SMTP 535", now: instant(6))
        #expect(failed.status == .failed && failed.attemptCount == 1 && failed.lastError == "SMTP 535")
        #expect(failed.updatedAt == instant(6))
        #expect(try deliveries.delivery(id: first.id) == sent)
        #expect(try deliveries.delivery(id: second.id) == failed)
        #expect(try deliveries.due(now: instant(1000), limit: 10).isEmpty)
        #expect(try deliveries.nextDueDate() == nil)
        #expect(try deliveries.queueDepth() == 0)
    }

    @Test("Attempting a sent, failed or unknown delivery fails, naming it, and changes nothing")
    func invalidTransitions() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let sent = try deliveries.markSent(id: try enqueue(deliveries, "n1").id, attempts: 1, now: instant(1))
        let failed = try deliveries.markFailed(
            id: try enqueue(deliveries, "n2").id, attempts: 3, error: "gave up", now: instant(1))
        let late = #expect(throws: StoreError.self) {
            try deliveries.markFailed(id: sent.id, attempts: 2, error: "late", now: instant(2))
        }
        #expect(late?.reason == "the delivery is sent, not queued")
        #expect(late?.doing == "marking notification delivery \(sent.id) failed")
        let revived = #expect(throws: StoreError.self) {
            try deliveries.reschedule(
                id: failed.id, attempts: 4, error: "x", nextAttemptAt: instant(9), now: instant(2))
        }
        #expect(revived?.reason == "the delivery is failed, not queued")
        #expect(throws: StoreError.self) { try deliveries.markSent(id: failed.id, attempts: 4, now: instant(2)) }
        let unknown = #expect(throws: StoreError.self) {
            try deliveries.markSent(id: "nope", attempts: 1, now: instant(2))
        }
        #expect(unknown?.reason == "no delivery with id nope")
        #expect(unknown?.path == ":memory:")
        #expect(try deliveries.delivery(id: sent.id) == sent)
        #expect(try deliveries.delivery(id: failed.id) == failed)
    }

    /// Eight deliveries over two users, two channels, two categories and every status, one second apart.
    private func mixed() throws -> (DeliveryStore, [DeliveryRecord]) {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        var records: [DeliveryRecord] = []
        for index in 0..<8 {
            let record = try enqueue(
                deliveries, "n\(index)", user: index % 2 == 0 ? "u1" : "u2",
                channel: index % 4 < 2 ? "desktop" : "email",
                category: index < 4 ? "app.proactive" : "device.battery_low", at: Double(index))
            switch index % 3 {
            case 1: records.append(try deliveries.markSent(id: record.id, attempts: 1, now: instant(20)))
            case 2:
                records.append(try deliveries.markFailed(id: record.id, attempts: 1, error: "e", now: instant(20)))
            default: records.append(record)
            }
        }
        return (deliveries, records)
    }

    @Test("Listing is newest first; each filter alone and together keeps exactly the matching deliveries")
    func listFilters() throws {
        let (deliveries, records) = try mixed()
        func ids(_ keep: (DeliveryRecord) -> Bool) -> [String] { records.reversed().filter(keep).map(\.id) }
        let all = try deliveries.list()
        #expect(all.items == records.reversed())
        #expect(all.total == 8)

        let byUser = try deliveries.list(userID: "u2")
        #expect(byUser.items.map(\.id) == ids { $0.userID == "u2" })
        #expect(byUser.total == 4)
        #expect(try deliveries.list(channel: "email").items.map(\.id) == ids { $0.channel == "email" })
        #expect(try deliveries.list(status: .sent).items.map(\.id) == ids { $0.status == .sent })
        #expect(try deliveries.list(status: .failed).total == 2)
        #expect(try deliveries.list(status: .queued).total == 3)
        #expect(
            try deliveries.list(eventCategory: "device.battery_low").items.map(\.id)
                == ids { $0.eventCategory == "device.battery_low" })

        let combined = try deliveries.list(userID: "u1", channel: "desktop", eventCategory: "device.battery_low")
        #expect(combined.items.map(\.notificationID) == ["n4"])
        #expect(combined.total == 1)
        let everything = try deliveries.list(
            userID: "u1", channel: "email", status: .queued, eventCategory: "app.proactive")
        #expect(everything.items.isEmpty && everything.total == 0)
        #expect(try deliveries.list(userID: "u1", status: .queued).items.map(\.notificationID) == ["n6", "n0"])
        #expect(try deliveries.list(channel: "sms").total == 0)
    }

    @Test("Paging: limit 0 gives no items but the total, a huge offset gives none, a middle page is exact")
    func listPaging() throws {
        let (deliveries, records) = try mixed()
        let none = try deliveries.list(limit: 0)
        #expect(none.items.isEmpty && none.total == 8)
        let beyond = try deliveries.list(status: .queued, limit: 10, offset: Int.max)
        #expect(beyond.items.isEmpty && beyond.total == 3)
        #expect(try deliveries.list(limit: 2, offset: 8).items.isEmpty)
        let page = try deliveries.list(limit: 3, offset: 2)
        #expect(page.items.map(\.id) == Array(records.reversed())[2..<5].map(\.id))
        #expect(page.total == 8)
        #expect(try deliveries.list(limit: Int.max, offset: 7).items.map(\.id) == [records[0].id])
        #expect(try deliveries.list(limit: -1, offset: -5).items.isEmpty)
    }

    @Test("Deliveries enqueued in the same instant list newest first by enqueue order")
    func listSameInstant() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let first = try enqueue(deliveries, "n1", at: 7)
        let second = try enqueue(deliveries, "n2", at: 7)
        #expect(try deliveries.list().items.map(\.id) == [second.id, first.id])
    }

    @Test("The category count takes queued and sent deliveries since the window's start, for that user and channel")
    func categoryCount() throws {
        let deliveries = try BridgeDatabase.inMemory().deliveries
        let category = "device.battery_low"
        try enqueue(deliveries, "old", category: category, at: 0)
        let queued = try enqueue(deliveries, "q", category: category, at: 100)
        try deliveries.markSent(
            id: try enqueue(deliveries, "s", category: category, at: 150).id, attempts: 1, now: instant(151))
        try deliveries.markFailed(
            id: try enqueue(deliveries, "f", category: category, at: 160).id, attempts: 1, error: "x", now: instant(161)
        )
        try enqueue(deliveries, "limited", category: category, status: .failed, lastError: "limit", at: 170)
        try enqueue(deliveries, "other-user", user: "u2", category: category, at: 180)
        try enqueue(deliveries, "other-channel", channel: "email", category: category, at: 180)
        try enqueue(deliveries, "other-category", category: "app.message", at: 180)

        #expect(
            try deliveries.count(userID: "u1", eventCategory: category, channel: "desktop", since: instant(100)) == 2)
        #expect(try deliveries.count(userID: "u1", eventCategory: category, channel: "desktop", since: instant(0)) == 3)
        #expect(
            try deliveries.count(userID: "u1", eventCategory: category, channel: "desktop", since: instant(100.001))
                == 1)
        #expect(
            try deliveries.count(userID: "u1", eventCategory: category, channel: "desktop", since: instant(181)) == 0)
        // A retry does not move a delivery into a later window: it counts from when it was enqueued.
        try deliveries.reschedule(
            id: queued.id, attempts: 1, error: "busy", nextAttemptAt: instant(500), now: instant(400))
        #expect(
            try deliveries.count(userID: "u1", eventCategory: category, channel: "desktop", since: instant(101)) == 1)
        #expect(try deliveries.count(userID: "u2", eventCategory: category, channel: "desktop", since: instant(0)) == 1)
        #expect(try deliveries.count(userID: "u1", eventCategory: category, channel: "email", since: instant(0)) == 1)
    }

    @Test("Queued deliveries survive closing and reopening a file database, and are still due")
    func survivesReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("state/bridge.sqlite")
        let waiting: DeliveryRecord
        let later: DeliveryRecord
        do {
            let deliveries = try BridgeDatabase(path: path).deliveries
            waiting = try enqueue(deliveries, "n1", at: 0)
            later = try deliveries.reschedule(
                id: try enqueue(deliveries, "n2", at: 1).id, attempts: 1, error: "offline", nextAttemptAt: instant(60),
                now: instant(2))
            try deliveries.markSent(id: try enqueue(deliveries, "n3", at: 2).id, attempts: 1, now: instant(3))
        }
        let reopened = try BridgeDatabase(path: path).deliveries
        #expect(try reopened.due(now: instant(10), limit: 10) == [waiting])
        #expect(try reopened.due(now: instant(60), limit: 10) == [waiting, later])
        #expect(try reopened.queueDepth() == 2)
        #expect(try reopened.nextDueDate() == instant(0))
        #expect(try reopened.delivery(id: later.id)?.payload == #"{"notification_id":"n2"}"#)
    }

    @Test("The status column rejects anything but queued, sent and failed")
    func statusCheck() throws {
        let database = try BridgeDatabase.inMemory()
        let record = try enqueue(database.deliveries)
        for junk in ["junk", "QUEUED", "pending", ""] {
            #expect(throws: StoreError.self) {
                try database.write("test") { db in
                    try db.execute(sql: "UPDATE deliveries SET status = ? WHERE id = ?", arguments: [junk, record.id])
                }
            }
        }
        #expect(throws: StoreError.self) {
            try database.write("test") { db in
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (id, notification_id, user_id, channel, status, next_attempt_at,
                                                created_at, updated_at, event_category, title,
                                                notification_created_at, payload)
                        VALUES ('x', 'n', 'u', 'desktop', 'delivered', 0, 0, 0, 'c', 't', 0, '{}')
                        """)
            }
        }
        #expect(try database.deliveries.list().items == [record])
    }
}

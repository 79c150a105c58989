import Foundation
import Store
import Testing

@Suite("Webhook outbox")
struct OutboxStoreTests {
    private func enqueue(
        _ outbox: OutboxStore, key: String, app: String = "app_1", at seconds: Double = 0
    ) throws -> OutboxItem {
        try outbox.enqueue(
            appID: app, event: "transcript_processed", url: "https://hook.example/\(app)?uid=u1",
            body: Array("{\"k\":\"\(key)\"}".utf8), headers: ["X-Idempotency-Key": key], idempotencyKey: key,
            now: instant(seconds))
    }

    @Test("An enqueued item is pending, due at once, with every field stored")
    func enqueueStoresEverything() throws {
        let outbox = try BridgeDatabase.inMemory().outbox
        let item = try outbox.enqueue(
            appID: "app_1", event: "memory_creation", url: "https://hook.example/x", body: [0, 1, 2, 255],
            headers: ["X-Omi-Signature": "sha256=ab", "X-B": "b"], idempotencyKey: "k1", now: instant(5))
        #expect(item.status == .pending)
        #expect(item.attemptCount == 0)
        #expect(item.nextAttemptAt == instant(5))
        #expect(item.createdAt == instant(5))
        #expect(item.body == [0, 1, 2, 255])
        #expect(item.headers == ["X-Omi-Signature": "sha256=ab", "X-B": "b"])
        #expect(item.lastError == nil && item.lastStatus == nil && item.deliveredAt == nil)
        #expect(try outbox.item(id: item.id) == item)
        #expect(try outbox.due(now: instant(5), limit: 10) == [item])
        #expect(try outbox.due(now: instant(4), limit: 10).isEmpty)
    }

    @Test("An empty body and no headers round-trip")
    func emptyBody() throws {
        let outbox = try BridgeDatabase.inMemory().outbox
        let item = try outbox.enqueue(
            appID: "a", event: "e", url: "https://x", body: [], idempotencyKey: "k", now: instant())
        #expect(try outbox.item(id: item.id)?.body == [])
        #expect(try outbox.item(id: item.id)?.headers == [:])
    }

    @Test("Items survive closing and reopening a file database")
    func survivesReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("state/bridge.sqlite")
        let enqueued: OutboxItem
        do {
            let database = try BridgeDatabase(path: path)
            enqueued = try enqueue(database.outbox, key: "durable")
        }
        let reopened = try BridgeDatabase(path: path)
        #expect(try reopened.outbox.due(now: instant(1), limit: 10) == [enqueued])
        #expect(try reopened.outbox.pendingCount() == 1)
    }

    @Test("Concurrent enqueues from many tasks on a file database all land, once each")
    func concurrentEnqueues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outbox = try BridgeDatabase(path: directory.path("bridge.sqlite")).outbox
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                // Every key twice: the duplicates race the originals.
                group.addTask {
                    _ = try outbox.enqueue(
                        appID: "a", event: "e", url: "https://x", body: [],
                        idempotencyKey: "k\(index % 20)", now: instant(Double(index)))
                }
            }
            try await group.waitForAll()
        }
        #expect(try outbox.pendingCount() == 20)
        #expect(Set(try outbox.due(now: instant(100), limit: 100).map(\.idempotencyKey)).count == 20)
    }

    @Test("A duplicate idempotency key returns the existing item and adds no row")
    func duplicateKey() throws {
        let outbox = try BridgeDatabase.inMemory().outbox
        let first = try enqueue(outbox, key: "same", at: 0)
        let second = try outbox.enqueue(
            appID: "other", event: "memory_creation", url: "https://elsewhere", body: [9], idempotencyKey: "same",
            now: instant(60))
        #expect(second == first)
        #expect(try outbox.pendingCount() == 1)
        // Even once delivered, the key still deduplicates.
        try outbox.markDelivered(id: first.id, status: 200, now: instant(1))
        #expect(try enqueue(outbox, key: "same", at: 120).status == .delivered)
        #expect(try outbox.pendingCount() == 0)
    }

    @Test("Due items come oldest first, limited, for one app or all")
    func ordering() throws {
        let outbox = try BridgeDatabase.inMemory().outbox
        let a1 = try enqueue(outbox, key: "a1", app: "a", at: 0)
        let b1 = try enqueue(outbox, key: "b1", app: "b", at: 1)
        let a2 = try enqueue(outbox, key: "a2", app: "a", at: 2)
        #expect(try outbox.due(now: instant(10), limit: 10).map(\.id) == [a1.id, b1.id, a2.id])
        #expect(try outbox.due(now: instant(10), limit: 2).map(\.id) == [a1.id, b1.id])
        #expect(try outbox.due(now: instant(10), limit: 10, appID: "a").map(\.id) == [a1.id, a2.id])
        #expect(try outbox.due(now: instant(1), limit: 10).map(\.id) == [a1.id, b1.id])
        #expect(try outbox.pendingCount(appID: "b") == 1)
        #expect(try outbox.pendingCount(appID: "nobody") == 0)
    }

    @Test("A failed item is due again only at its retry time, with the attempt counted")
    func failedRetry() throws {
        let outbox = try BridgeDatabase.inMemory().outbox
        let item = try enqueue(outbox, key: "k")
        let failed = try outbox.markFailed(id: item.id, status: 503, error: "HTTP 503", retryAt: instant(30))
        #expect(failed.status == .pending)
        #expect(failed.attemptCount == 1)
        #expect(failed.lastStatus == 503 && failed.lastError == "HTTP 503")
        #expect(try outbox.due(now: instant(29.999), limit: 10).isEmpty)
        #expect(try outbox.nextAttemptAt() == instant(30))
        #expect(try outbox.due(now: instant(30), limit: 10).map(\.id) == [item.id])

        let again = try outbox.markFailed(id: item.id, status: nil, error: "connection refused", retryAt: instant(90))
        #expect(again.attemptCount == 2)
        #expect(again.lastStatus == nil)
        let delivered = try outbox.markDelivered(id: item.id, status: 200, now: instant(90))
        #expect(delivered.status == .delivered)
        #expect(delivered.attemptCount == 3)
        #expect(delivered.deliveredAt == instant(90))
        #expect(delivered.lastStatus == 200 && delivered.lastError == nil)
        #expect(try outbox.due(now: instant(1000), limit: 10).isEmpty)
        #expect(try outbox.nextAttemptAt() == nil)
    }

    @Test("Dead letters are kept, listed per app, and replay puts them back in the queue")
    func deadLettersAndReplay() throws {
        let outbox = try BridgeDatabase.inMemory().outbox
        let a = try enqueue(outbox, key: "a", app: "a")
        let b = try enqueue(outbox, key: "b", app: "b")
        try outbox.markFailed(id: a.id, status: 500, error: "HTTP 500", retryAt: instant(10))
        let dead = try outbox.markDead(id: a.id, status: 500, error: "HTTP 500 (gave up after 2 attempts)")
        try outbox.markDead(id: b.id, status: 404, error: "HTTP 404")
        #expect(dead.status == .dead && dead.attemptCount == 2)
        #expect(try outbox.due(now: instant(1000), limit: 10).isEmpty)
        #expect(try outbox.pendingCount() == 0)
        #expect(try outbox.deadLetters().map(\.id) == [a.id, b.id])
        #expect(try outbox.deadLetters(appID: "b").map(\.id) == [b.id])

        let replayed = try outbox.replay(id: a.id, now: instant(500))
        #expect(replayed.status == .pending)
        #expect(replayed.attemptCount == 0)
        #expect(replayed.nextAttemptAt == instant(500))
        #expect(try outbox.due(now: instant(500), limit: 10).map(\.id) == [a.id])
        #expect(try outbox.deadLetters().map(\.id) == [b.id])
    }

    @Test("Replaying a live item or marking an unknown one fails, naming the operation")
    func invalidTransitions() throws {
        let outbox = try BridgeDatabase.inMemory().outbox
        let item = try enqueue(outbox, key: "k")
        let notDead = #expect(throws: StoreError.self) { try outbox.replay(id: item.id, now: instant()) }
        #expect(notDead?.reason.contains("pending") == true)
        let unknown = #expect(throws: StoreError.self) {
            try outbox.markDelivered(id: 999, status: 200, now: instant())
        }
        #expect(unknown?.doing == "marking delivery 999 delivered")
        #expect(unknown?.path == ":memory:")
        #expect(try outbox.item(id: 999) == nil)
        #expect(unknown?.reason == "no delivery with id 999")
        try outbox.markDelivered(id: item.id, status: 200, now: instant(1))
        let delivered = #expect(throws: StoreError.self) {
            try outbox.markFailed(id: item.id, status: 500, error: "late failure", retryAt: instant(9))
        }
        #expect(delivered?.reason == "the delivery is delivered, not pending")
        #expect(try outbox.item(id: item.id)?.status == .delivered)
        #expect(try outbox.pendingCount() == 0)
    }
}

import Foundation
import Store
import Testing

// `import Store` reaches the module through the OmiBridgeCLI dependency; Package.swift does not list it for this
// test target.

@Suite("omi-bridge outbox")
struct OutboxCommandTests {
    @Test("An empty or missing outbox lists nothing; replaying an unknown id exits 1 naming it")
    func empty() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        #expect(try await store.run(["outbox", "list"]).stdout == "no pending deliveries in \(store.database)\n")
        #expect(try await store.run(["outbox", "list", "--dead"]).stdout == "no dead letters in \(store.database)\n")
        #expect(try await store.run(["outbox", "list", "--json"]).stdout == "")
        _ = try BridgeDatabase(path: store.database)
        let unknown = try await store.run(["outbox", "replay", "99"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "omi-bridge: no delivery with id 99 in \(store.database)\n")
        #expect(try await store.run(["outbox", "replay", "--all-dead"]).stdout == "no dead letters in \(store.database)\n")
        for bad in [["outbox", "replay"], ["outbox", "replay", "1", "--all-dead"]] {
            let result = try await store.run(bad)
            #expect(result.status == 2)
            #expect(result.stderr.contains("give either a delivery id or --all-dead"), "\(result.stderr)")
        }
    }

    @Test("list shows pending and dead deliveries without the URL's query; replay moves dead letters back to pending")
    func listAndReplay() async throws {
        let store = try StoreFixture()
        defer { store.remove() }
        let outbox = try BridgeDatabase(path: store.database).outbox
        let t0 = Date(timeIntervalSince1970: 1_767_000_000)
        let pending = try outbox.enqueue(
            appID: "notes", event: "memory_created", url: "https://notes.example/hook?key=SECRETKEY&uid=u1",
            body: Array("{}".utf8), idempotencyKey: "a", now: t0)
        try outbox.markFailed(id: pending.id, status: 503, error: "HTTP 503", retryAt: t0 + 60)
        let dead = try outbox.enqueue(
            appID: "crm", event: "memory_created", url: "https://crm.example/in?uid=u1", body: [], idempotencyKey: "b",
            now: t0)
        try outbox.markDead(id: dead.id, status: 410, error: "HTTP 410; not retried")
        let other = try outbox.enqueue(
            appID: "crm", event: "memory_created", url: "https://crm.example/in", body: [], idempotencyKey: "c", now: t0
        )
        try outbox.markDead(id: other.id, status: nil, error: "connection refused")

        let list = try await store.run(["outbox", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(
            list.stdout == "\(pending.id)  notes  memory_created  attempts 1  next 2025-12-29T09:21:00Z  "
                + "https://notes.example/hook  last HTTP 503  last error: HTTP 503\n", "\(list.stdout)")
        #expect(!list.stdout.contains("SECRETKEY"))
        let deadList = try await store.run(["outbox", "list", "--dead"])
        #expect(deadList.stdout.split(separator: "\n").count == 2)
        #expect(deadList.stdout.contains("\(dead.id)  crm  memory_created  attempts 1  created 2025-12-29T09:20:00Z"))
        #expect(deadList.stdout.contains("last HTTP 410  last error: HTTP 410; not retried"))
        let json = try await store.run(["outbox", "list", "--dead", "--json"]).stdout.split(separator: "\n")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(json[0].utf8)) as? [String: Any])
        #expect(first["id"] as? Int == Int(dead.id) && first["status"] as? String == "dead")
        #expect(first["last_status"] as? Int == 410 && first["endpoint"] as? String == "https://crm.example/in")

        let notDead = try await store.run(["outbox", "replay", "\(pending.id)"])
        #expect(notDead.status == 1)
        #expect(notDead.stderr.contains("delivery \(pending.id) is pending, not a dead letter"))
        let one = try await store.run(["outbox", "replay", "\(dead.id)"])
        #expect(one.stdout == "replayed \(dead.id) (crm memory_created): pending, due now\n", "\(one.stderr)")
        let item = try #require(try outbox.item(id: dead.id))
        #expect(item.status == .pending && item.attemptCount == 0)
        let all = try await store.run(["outbox", "replay", "--all-dead"])
        #expect(all.stdout.hasSuffix("1 dead letters back to pending, due now\n"), "\(all.stdout)")
        #expect(try outbox.deadLetters().isEmpty && outbox.pendingCount() == 3)
    }
}

import BridgeTesting
import Foundation
import OmiApps
import Store
import Synchronization
import Testing
import Transcription

/// Answers with the scripted responses in order, then the last one for ever.
private func scripted(_ responses: [LoopbackHTTPServer.Response]) throws -> LoopbackHTTPServer {
    let queue = Mutex(responses)
    return try LoopbackHTTPServer { _ in
        queue.withLock { q in q.count > 1 ? q.removeFirst() : q[0] }
    }
}

private let secret = "whsec_" + String(repeating: "k", count: 43)

@Suite("memory_creation through the durable outbox: idempotency, signing, retries, dead letters, breaker")
struct MemoryOutboxTests {
    private func memoryApp(_ url: String, id: String = "notes", secrets: [String] = []) -> AppManifest {
        AppManifest(
            id: id, name: "Notes", capabilities: ["external_integration"], trigger: .memoryCreation, webhookURL: url,
            signingSecrets: secrets)
    }

    @Test("A closed conversation is stored, enqueued once per app and POSTed signed with its idempotency headers")
    func endToEnd() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array(#"{"message": "Saved"}"#.utf8)) }
        defer { server.stop() }
        let database = try BridgeDatabase.inMemory()
        let now = TestNow()
        let sink = RecordingSink()
        let app = memoryApp(server.baseURL + "/memory?x=1", secrets: [secret])
        let trigger = MemoryTrigger(
            apps: [app], uid: "u_7Kq2", database: database, summarizer: ConversationSummarizer(), sink: sink,
            streamStart: now.now, now: now.closure)
        await trigger.submit(TranscriptSegment(text: "The quarterly deck is almost done.", start: 3, end: 5))
        await trigger.submit(TranscriptSegment(text: "Can you send me the deck by Friday?", start: 6, end: 8))
        now.advance(119.9)
        await trigger.tick()
        #expect(try database.outbox.pendingCount() == 0)  // not silent long enough
        now.advance(0.1)
        await trigger.tick()
        #expect(try database.outbox.pendingCount() == 1)
        let conversation = try #require(await trigger.closed.first)
        #expect(try database.conversations.search(question: "deck Friday", limit: 5).map(\.id) == [conversation.id])

        let client = WebhookClient()
        let deliverer = OutboxDeliverer(
            store: database.outbox, apps: [app], uid: "u_7Kq2", client: client, breakers: CircuitBreakerRegistry(),
            sink: sink, now: now.closure)
        #expect(await deliverer.deliverDue() == 1)
        #expect(await deliverer.deliverDue() == 0)  // delivered: never again
        await client.shutdown()

        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1 && request.target == "/memory?x=1&uid=u_7Kq2")
        let key = "\(conversation.id):notes"
        #expect(request.headers["x-omi-idempotency-key"] == key && request.headers["idempotency-key"] == key)
        #expect(request.headers["x-omi-delivery"] == key && request.headers["x-omi-event"] == "memory_created")
        let signature = try #require(request.headers["x-omi-signature"])
        let verified = WebhookSigner.verify(header: signature, body: request.body, uid: "u_7Kq2", secrets: [secret], now: now.now)
        #expect((try? verified.get()) == 0)
        let body = try #require(jsonObject(request.body) as? [String: Any])
        #expect(body["id"] as? String == conversation.id)
        #expect((body["structured"] as? [String: Any])?["category"] as? String == "work")
        #expect((body["transcript_segments"] as? [[String: Any]])?.map { $0["start"] as? Double } == [0, 3])
        // memory_creation answers: any non-empty message, linked to the conversation.
        #expect(sink.messages.withLock { $0.map(\.text) } == ["Saved"])
        #expect(sink.messages.withLock { $0.first?.conversation } == conversation.id)
    }

    @Test("503 → backoff, 429 → Retry-After, then 200: one delivery, the same idempotency key every time")
    func retries() async throws {
        let server = try scripted([
            .reply(status: 503), .reply(status: 429, headers: ["Retry-After": "120"]), .reply(status: 200, body: Array("{}".utf8)),
        ])
        defer { server.stop() }
        let database = try BridgeDatabase.inMemory()
        let now = TestNow()
        let item = try database.outbox.enqueue(
            appID: "notes", event: "memory_created", url: server.baseURL + "/m?uid=u", body: Array("{}".utf8),
            headers: ["Idempotency-Key": "k1"], idempotencyKey: "k1", now: now.now)
        let client = WebhookClient()
        let deliverer = OutboxDeliverer(
            store: database.outbox, apps: [memoryApp(server.baseURL + "/m")], uid: "u", client: client,
            breakers: CircuitBreakerRegistry(), policy: RetryPolicy(jitter: .none), sink: RecordingSink(), now: now.closure)
        #expect(await deliverer.deliverDue() == 1)  // 503
        #expect(try database.outbox.item(id: item.id)?.nextAttemptAt == now.now.addingTimeInterval(1))
        #expect(await deliverer.deliverDue() == 0)
        now.advance(1)
        #expect(await deliverer.deliverDue() == 1)  // 429, Retry-After: 120
        #expect(try database.outbox.item(id: item.id)?.nextAttemptAt == now.now.addingTimeInterval(120))
        now.advance(119.999)
        #expect(await deliverer.deliverDue() == 0)
        now.advance(0.001)
        #expect(await deliverer.deliverDue() == 1)  // 200
        await client.shutdown()
        let stored = try #require(try database.outbox.item(id: item.id))
        #expect(stored.status == .delivered && stored.attemptCount == 3)
        #expect(server.requests.map { $0.headers["idempotency-key"] } == ["k1", "k1", "k1"])
    }

    @Test("A final 4xx is a dead letter, kept; replayed, it is delivered")
    func deadLetters() async throws {
        let server = try scripted([.reply(status: 400, body: Array("bad".utf8)), .reply(status: 200)])
        defer { server.stop() }
        let database = try BridgeDatabase.inMemory()
        let now = TestNow()
        let item = try database.outbox.enqueue(
            appID: "notes", event: "memory_created", url: server.baseURL + "/m", body: [], idempotencyKey: "k2", now: now.now)
        let client = WebhookClient()
        let deliverer = OutboxDeliverer(
            store: database.outbox, apps: [memoryApp(server.baseURL + "/m")], uid: "u", client: client,
            breakers: CircuitBreakerRegistry(), sink: RecordingSink(), now: now.closure)
        await deliverer.deliverDue()
        let dead = try database.outbox.deadLetters()
        #expect(dead.map(\.id) == [item.id] && dead.first?.lastStatus == 400)
        #expect(dead.first?.lastError?.contains("HTTP 400 is final") == true)
        _ = try database.outbox.replay(id: item.id, now: now.now)
        #expect(await deliverer.deliverDue() == 1)
        await client.shutdown()
        #expect(try database.outbox.item(id: item.id)?.status == .delivered)
    }

    @Test("Five failures open the app's circuit: nothing is sent for 30 s, then one probe")
    func breaker() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 500) }
        defer { server.stop() }
        let database = try BridgeDatabase.inMemory()
        let now = TestNow()
        _ = try database.outbox.enqueue(
            appID: "notes", event: "memory_created", url: server.baseURL + "/m?uid=u", body: [], idempotencyKey: "k3",
            now: now.now)
        let client = WebhookClient()
        let breakers = CircuitBreakerRegistry()
        let deliverer = OutboxDeliverer(
            store: database.outbox, apps: [memoryApp(server.baseURL + "/m")], uid: "u", client: client,
            breakers: breakers, policy: RetryPolicy(maxAttempts: 100, jitter: .none), sink: RecordingSink(), now: now.closure)
        for attempt in 1...5 {
            #expect(await deliverer.deliverDue() == 1)
            if attempt < 5 { now.advance(600) }  // past any backoff
        }
        now.advance(20)  // the retry (16 s backoff) is due, but the circuit opened 20 s ago
        #expect(await deliverer.deliverDue() == 0)  // held back, still pending
        #expect(server.requests.count == 5)
        now.advance(10)
        #expect(await deliverer.deliverDue() == 1)  // the half-open probe
        await client.shutdown()
        #expect(try server.requests.count == 6 && database.outbox.pendingCount() == 1)
    }
}

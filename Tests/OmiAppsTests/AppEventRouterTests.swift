import BridgeTesting
import Foundation
import OmiApps
import Store
import Synchronization
import Testing

/// Collects delivered notifications.
final class RecordingDelivery: NotificationDelivery {
    let delivered = Mutex<[BridgeNotification]>([])
    func deliver(_ notification: BridgeNotification) async { delivered.withLock { $0.append(notification) } }
}

@Suite("App answers routed: chat, feed hand-off, proactive decisions on the store (omi-contract §3.2, §4)")
struct AppEventRouterTests {
    private func router(_ database: BridgeDatabase, now: TestNow, delivery: RecordingDelivery) throws -> AppEventRouter {
        let processor = ProactiveProcessor(
            context: StoreProactiveContext(database: database, name: "Alex"), limiter: try ProactiveLimiter())
        return AppEventRouter(
            database: database, userID: "u_7Kq2", processor: processor, delivery: delivery, log: { _ in }, now: now.closure)
    }

    private let coach = AppManifest(
        id: "app_123", name: "Meeting Coach", capabilities: ["external_integration", "proactive_notification"],
        trigger: .transcriptProcessed, webhookURL: "http://127.0.0.1:1/hook", scopes: ["user_name", "user_facts", "user_chat"])

    @Test("An app message is stored as chat from the app and delivered as app.message")
    func appMessage() async throws {
        let database = try BridgeDatabase.inMemory()
        let delivery = RecordingDelivery()
        let now = TestNow()
        try await router(database, now: now, delivery: delivery).appMessage(
            app: coach, text: "Heads up: the deck is due Friday.", conversationID: "c1", alongsideNotification: false)
        let chat = try database.chat.all(appID: "app_123")
        #expect(chat.map(\.text) == ["Heads up: the deck is due Friday."] && chat.first?.sender == .app)
        #expect(chat.first?.conversationID == "c1")
        let sent = delivery.delivered.withLock { $0 }
        #expect(sent.map(\.category) == ["app.message"] && sent.first?.metadata["conversation_id"] == "c1")
    }

    @Test("§9 B's notification: scopes filled from the store, decision recorded, delivered as '<app> says', rate-limited after")
    func proactive() async throws {
        let database = try BridgeDatabase.inMemory()
        let delivery = RecordingDelivery()
        let now = TestNow()
        _ = try database.facts.add(text: "Works on the deck team", source: .user, now: now.now)
        _ = try database.chat.append(appID: "app_123", sender: .user, text: "What is due this week?", now: now.now)
        let router = try router(database, now: now, delivery: delivery)
        let notification = Array(#"""
            {"prompt": "You coach {{user_name}}. Facts: {{user_facts}}. Chat: {{user_chat}}. Context: {{user_context}}. One short tip.",
             "params": ["user_name", "user_facts", "user_chat", "user_context"],
             "context": {"question": "deadlines this week", "filters": {"people": [], "topics": ["deck"], "entities": [], "dates": []}}}
            """#.utf8)
        await router.proactiveRequested(app: coach, notification: notification)
        let sent = delivery.delivered.withLock { $0 }
        #expect(sent.map(\.category) == ["app.proactive"] && sent.first?.title == "Meeting Coach says")
        let decisions = try database.decisions.recent(limit: 10)
        #expect(decisions.map(\.outcome) == ["sent"])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decision = try decoder.decode(ProactiveDecision.self, from: Data(try #require(decisions.first).json.utf8))
        let prompt = try #require(decision.renderedPrompt)
        #expect(prompt.contains("You coach Alex.") && prompt.contains("Works on the deck team"))
        #expect(prompt.contains("What is due this week?"))
        #expect(prompt.contains("{{user_context}}"))  // not declared by the app: left as is (§4 step 7)
        #expect(try database.chat.all(appID: "app_123").last?.text == sent.first?.body)

        now.advance(29.9)
        await router.proactiveRequested(app: coach, notification: notification)
        #expect(delivery.delivered.withLock { $0.count } == 1)
        #expect(try database.decisions.recent(limit: 10).map(\.outcome) == ["rate_limited", "sent"])
    }

    @Test("user_context: past conversations found by the question and the filters")
    func conversationContext() async throws {
        let database = try BridgeDatabase.inMemory()
        let start = Date(timeIntervalSince1970: 1_746_180_131)
        try database.conversations.save(
            ConversationRecord(
                id: "c1", startedAt: start, finishedAt: start.addingTimeInterval(600), language: "en", status: "completed",
                title: "Deck deadline", overview: "Agreed to send the deck by Friday.", category: "work",
                transcript: "Can you send me the deck by Friday?", payload: [], discarded: false))
        let context = StoreProactiveContext(database: database, name: "Alex")
        let text = await context.conversationContext(
            userID: "u", question: "deadlines this week", filters: .init(topics: ["deck"]))
        #expect(text == "Conversation on 2025-05-02: Deck deadline\nAgreed to send the deck by Friday.")
        #expect(await context.conversationContext(userID: "u", question: "holiday", filters: .init()).isEmpty)
    }
}

@Suite("upstream_chat_overwrite")
struct ChatOverwriteTests {
    @Test("Off (default): a message that came with a notification is kept as chat; on: pushed but not kept")
    func overwrite() async throws {
        for upstream in [false, true] {
            let database = try BridgeDatabase.inMemory()
            let delivery = RecordingDelivery()
            var router = AppEventRouter(
                database: database, userID: "u",
                processor: ProactiveProcessor(context: StaticProactiveContext(), limiter: try ProactiveLimiter()),
                delivery: delivery, log: { _ in })
            router.upstreamChatOverwrite = upstream
            let app = AppManifest(id: "a", name: "A")
            await router.appMessage(app: app, text: "with a notification", conversationID: nil, alongsideNotification: true)
            await router.appMessage(app: app, text: "alone", conversationID: nil, alongsideNotification: false)
            #expect(delivery.delivered.withLock { $0.count } == 2)
            #expect(try database.chat.all(appID: "a").map(\.text) == (upstream ? ["alone"] : ["with a notification", "alone"]))
        }
    }
}

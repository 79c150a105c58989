public import Foundation
public import Store

/// What the apps' answers turn into (omi-contract §3.2, §3.3, §4): app messages are stored as chat from the app
/// and delivered; `notification` objects run the proactive processor, whose every decision is recorded (for
/// `omi-bridge explain`) and whose notifications are delivered and stored as chat from the app. Every webhook
/// call is logged. The production `AppEventSink`.
public struct AppEventRouter: AppEventSink {
    public let database: BridgeDatabase
    public let userID: String
    public let processor: ProactiveProcessor
    public let delivery: any NotificationDelivery
    public let log: @Sendable (String) -> Void
    public let now: @Sendable () -> Date
    /// `upstream_chat_overwrite` (omi-contract §8): an app message that came with a notification is pushed but
    /// not kept in the chat history.
    public var upstreamChatOverwrite = false
    /// Where webhook calls are counted and timed (the bootstrapped metrics backend unless a test sets its own).
    public var metrics = WebhookMetrics()

    public init(
        database: BridgeDatabase, userID: String, processor: ProactiveProcessor, delivery: any NotificationDelivery,
        log: @escaping @Sendable (String) -> Void, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.userID = userID
        self.processor = processor
        self.delivery = delivery
        self.log = log
        self.now = now
    }

    public func webhookCalled(_ call: WebhookCall) async {
        let target = call.request.url.prefix { $0 != "?" }
        metrics.called(app: call.app.id, result: call.result)
        switch call.result {
        case .success(let response):
            let ms = response.latency.seconds * 1000
            log("webhook \(call.app.id) \(call.trigger.rawValue) \(target): HTTP \(response.status) in \(Int(ms)) ms"
                + (call.response?.ignoredBecause.map { " (\($0))" } ?? ""))
        case .failure(let failure):
            log("webhook \(call.app.id) \(call.trigger.rawValue) \(target): \(failure)")
        }
    }

    public func appMessage(app: AppManifest, text: String, conversationID: String?, alongsideNotification: Bool) async {
        // Upstream pushes both but its stored chat keeps only the proactive text; the bridge stores both.
        if !(upstreamChatOverwrite && alongsideNotification) {
            do { _ = try database.chat.append(appID: app.id, sender: .app, text: text, conversationID: conversationID, now: now()) } catch {
                log("app message from \(app.id) not stored as chat: \(error.description)")
            }
        }
        var metadata: [String: String] = [:]
        if let conversationID { metadata["conversation_id"] = conversationID }
        await delivery.deliver(
            BridgeNotification(
                userID: userID, appID: app.id, category: "app.message", title: app.name, body: text, metadata: metadata))
    }

    public func proactiveRequested(app: AppManifest, notification: [UInt8]) async {
        let request: ProactiveRequest
        do { request = try JSONDecoder().decode(ProactiveRequest.self, from: Data(notification)) } catch {
            log("proactive notification from \(app.id) is not a notification object: \(error)")
            return
        }
        let decision = await processor.process(
            app: .init(id: app.id, name: app.name, scopes: app.scopes.sorted(), hasCapability: app.hasProactiveNotifications),
            request: request, userID: userID, now: now())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let json = (try? encoder.encode(decision)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        do { _ = try database.decisions.record(appID: app.id, outcome: decision.outcome.name, json: json, now: now()) } catch {
            log("proactive decision for \(app.id) not recorded: \(error.description)")
        }
        log("proactive \(app.id): \(decision.outcome.name)")
        guard decision.shouldDeliver, let title = decision.title, let body = decision.body else { return }
        if decision.outcome == .sent {
            do { _ = try database.chat.append(appID: app.id, sender: .app, text: body, now: now()) } catch {
                log("proactive notification from \(app.id) not stored as chat: \(error.description)")
            }
        }
        await delivery.deliver(
            BridgeNotification(userID: userID, appID: app.id, category: "app.proactive", title: title, body: body))
    }

    public func storeFailed(_ message: String) async { log("store: \(message)") }
}

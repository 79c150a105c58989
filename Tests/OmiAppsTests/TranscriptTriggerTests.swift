import BridgeTesting
import Foundation
import OmiApps
import Synchronization
import Testing
import Transcription

/// Records what the trigger hands on.
final class RecordingSink: AppEventSink {
    let calls = Mutex<[WebhookCall]>([])
    let messages = Mutex<[(app: String, text: String, conversation: String?)]>([])
    let notifications = Mutex<[(app: String, json: [UInt8])]>([])

    func webhookCalled(_ call: WebhookCall) async { calls.withLock { $0.append(call) } }
    func appMessage(app: AppManifest, text: String, conversationID: String?, alongsideNotification: Bool) async {
        messages.withLock { $0.append((app.id, text, conversationID)) }
    }
    func proactiveRequested(app: AppManifest, notification: [UInt8]) async {
        notifications.withLock { $0.append((app.id, notification)) }
    }
    let storeFailures = Mutex<[String]>([])
    func storeFailed(_ message: String) async { storeFailures.withLock { $0.append(message) } }
}

private func segment(_ text: String, at start: Double) -> TranscriptSegment {
    TranscriptSegment(text: text, start: start, end: start + 1)
}

private func texts(_ request: LoopbackHTTPServer.Request) -> [String] {
    ((jsonObject(request.body) as? [String: Any])?["segments"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
}

@Suite("transcript_processed trigger: cadence, per-app queues, answers, hostile receivers")
struct TranscriptTriggerTests {
    @Test("At most one POST per second on the injected clock: the first segment at once, the next ones batched")
    func cadence() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array("{}".utf8)) }
        defer { server.stop() }
        let clock = ManualClock()
        let client = WebhookClient()
        let sink = RecordingSink()
        let trigger = TranscriptTrigger(
            apps: [app(server.baseURL + "/hook")], uid: "u1", sessionID: "s1", client: client, sink: sink, clock: clock)
        let running = Task { await trigger.run() }
        // After a quiet spell, a segment goes out at once (no tick to wait for).
        await trigger.submit(segment("one", at: 0))
        #expect(await eventually { server.requests.count == 1 })
        #expect(server.requests.map(texts) == [["one"]])
        // Within the next second, segments wait for it to pass and go out together.
        #expect(await eventually { clock.sleeperCount == 1 })
        await trigger.submit(segment("two", at: 1))
        await trigger.submit(segment("three", at: 2))
        clock.advance(by: .milliseconds(999))
        #expect(await trigger.batchesQueued == 1)
        clock.advance(by: .milliseconds(1))
        #expect(await eventually { server.requests.count == 2 })
        #expect(server.requests.map(texts) == [["one"], ["two", "three"]])
        // A second with nothing new sends nothing; the next segment after it goes out at once.
        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .seconds(1))
        #expect(await eventually { clock.sleeperCount == 0 })  // idle: waiting for a segment, not for the clock
        #expect(await trigger.batchesQueued == 2)
        await trigger.submit(segment("four", at: 9))
        #expect(await eventually { server.requests.count == 3 })
        #expect(server.requests.map(texts) == [["one"], ["two", "three"], ["four"]])
        #expect(clock.asked.allSatisfy { $0 == .seconds(1) } && clock.asked.count == 3)
        await trigger.finish()
        await running.value
        await client.shutdown()
    }

    @Test("A slow app does not delay another: each app has its own ordered queue")
    func perAppQueues() async throws {
        // The slow app holds each request until the test lets it answer.
        let gate = DispatchSemaphore(value: 0)
        let slow = try LoopbackHTTPServer { _ in .held(gate, status: 200, body: Array("{}".utf8)) }
        let fast = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array("{}".utf8)) }
        defer { slow.stop(); fast.stop() }
        let client = WebhookClient()
        let trigger = TranscriptTrigger(
            apps: [app(slow.baseURL + "/slow", id: "slow"), app(fast.baseURL + "/fast", id: "fast")], uid: "u1",
            sessionID: "s1", client: client, sink: RecordingSink(), clock: ManualClock())
        let running = Task { await trigger.run() }
        for i in 0..<3 {
            await trigger.submit(segment("batch \(i)", at: Double(i)))
            await trigger.flush()
        }
        #expect(await eventually { fast.requests.count == 3 && slow.requests.count >= 1 })
        #expect(slow.requests.count == 1)  // still held on its first batch: the fast app did not wait for it
        #expect(fast.requests.map(texts) == [["batch 0"], ["batch 1"], ["batch 2"]])
        for _ in 0..<3 { gate.signal() }
        await trigger.finish()
        await running.value
        #expect(slow.requests.map(texts) == [["batch 0"], ["batch 1"], ["batch 2"]])  // in order, none lost
        await client.shutdown()
    }

    @Test("Answers: message > 5 characters becomes an app message; notification runs the proactive flow if allowed")
    func answers() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/both": .reply(status: 200, body: Array(#"{"message": "Heads up: the deck is due Friday.", "notification": {"prompt": "hi {{user_name}}", "params": ["user_name"]}}"#.utf8))
            case "/short": .reply(status: 200, body: Array(#"{"message": "12345"}"#.utf8))
            case "/not200": .reply(status: 201, body: Array(#"{"message": "created, but not 200"}"#.utf8))
            default: .reply(status: 200, body: Array(#"{"notification": {"prompt": "x"}}"#.utf8))
            }
        }
        defer { server.stop() }
        let client = WebhookClient()
        let sink = RecordingSink()
        let apps = [
            app(server.baseURL + "/both", proactive: true, id: "both"), app(server.baseURL + "/short", id: "short"),
            app(server.baseURL + "/not200", id: "not200"), app(server.baseURL + "/noscope", id: "noscope"),
        ]
        let trigger = TranscriptTrigger(apps: apps, uid: "u1", sessionID: "s1", client: client, sink: sink, clock: ManualClock())
        let running = Task { await trigger.run() }
        await trigger.submit(segment("Can you send me the deck by Friday?", at: 12.34))
        await trigger.finish()
        await running.value
        await client.shutdown()
        #expect(sink.calls.withLock { $0.count } == 4)
        #expect(sink.messages.withLock { $0.map(\.app) } == ["both"])
        #expect(sink.messages.withLock { $0.first?.text } == "Heads up: the deck is due Friday.")
        let notification = sink.notifications.withLock { $0 }
        #expect(notification.map(\.app) == ["both"])  // "noscope" lacks proactive_notification
        #expect((jsonObject(notification.first?.json ?? []) as? [String: Any])?["prompt"] as? String == "hi {{user_name}}")
    }

    @Test("Hostile receivers (10 MB, invalid JSON, 500, slow, reset): each is logged as what it was; the next batch goes out")
    func hostileReceivers() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/huge": .reply(status: 200, body: [UInt8](repeating: 0x41, count: 10 << 20))
            case "/badjson": .reply(status: 200, body: Array("<html>".utf8))
            case "/500": .reply(status: 500, body: Array("boom".utf8))
            case "/slow": .delayed(.seconds(6), status: 200, body: [])
            default: .reset
            }
        }
        defer { server.stop() }
        // The read timeout is idle time between reads: 500 ms let a starved event loop under the parallel suite
        // turn the 10 MB answer into a timeout once. 2 s (4 s deadline) still ends "slow" well before its 6 s.
        let client = WebhookClient(readTimeout: .seconds(2))
        let sink = RecordingSink()
        let paths = ["huge", "badjson", "500", "slow", "reset"]
        let trigger = TranscriptTrigger(
            apps: paths.map { app(server.baseURL + "/" + $0, id: $0) }, uid: "u1", sessionID: "s1", client: client,
            sink: sink, clock: ManualClock())
        let running = Task { await trigger.run() }
        await trigger.submit(segment("first", at: 0))
        await trigger.flush()
        await trigger.submit(segment("second", at: 1))
        await trigger.finish()
        await running.value
        await client.shutdown()
        let calls = sink.calls.withLock { $0 }
        #expect(calls.count == 10)  // every app got both batches, whatever happened to the first
        func outcome(_ id: String) -> [String] {
            calls.filter { $0.app.id == id }.map {
                switch $0.result {
                case .success(let r): "\(r.status)" + ($0.response?.ignoredBecause.map { ": \($0)" } ?? "")
                case .failure(let f): f.kind.rawValue
                }
            }
        }
        #expect(outcome("huge") == ["too_large", "too_large"])
        #expect(outcome("badjson") == ["200: body is not JSON", "200: body is not JSON"])
        #expect(outcome("500") == ["500", "500"])
        #expect(outcome("slow") == ["timeout", "timeout"])
        #expect(outcome("reset").allSatisfy { $0 == "closed" || $0 == "failed" }, "\(outcome("reset"))")
        #expect(sink.messages.withLock { $0.isEmpty })
    }
}

import BridgeTesting
import Foundation
import OmiApps
import Testing
import Transcription

@Suite("Triggers: signing (omi-contract §3.6) and the circuit breaker (§3.1) with its upstream switches (§8)")
struct TriggerBreakerSigningTests {
    private let secret = "whsec_" + String(repeating: "s", count: 43)

    /// Sends `batches` one-segment batches through a trigger for `hook`, flushing each.
    private func run(
        _ hook: AppManifest, batches: Int, now: TestNow, breakers: CircuitBreakerRegistry, upstreamJSON: Bool = false,
        between: (Int) -> Void = { _ in }
    ) async -> RecordingSink {
        let client = WebhookClient()
        let sink = RecordingSink()
        let trigger = TranscriptTrigger(
            apps: [hook], uid: "u_7Kq2", sessionID: "s", client: client, sink: sink, clock: ManualClock(),
            breakers: breakers, now: now.closure, upstreamBreakerJSON: upstreamJSON)
        let running = Task { await trigger.run() }
        for i in 0..<batches {
            await trigger.submit(TranscriptSegment(text: "batch \(i)", start: Double(i), end: Double(i) + 1))
            await trigger.flush()
            #expect(await eventually { sink.calls.withLock { $0.count } == i + 1 })
            between(i)
        }
        await trigger.finish()
        await running.value
        await client.shutdown()
        return sink
    }

    @Test("A signed app gets X-Omi-Signature over the exact body and uid, X-Omi-Event, X-Omi-Delivery = Idempotency-Key")
    func signed() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array("{}".utf8)) }
        defer { server.stop() }
        var hook = app(server.baseURL + "/hook")
        hook.signingSecrets = [secret]
        let now = TestNow()
        _ = await run(hook, batches: 1, now: now, breakers: CircuitBreakerRegistry())
        let request = try #require(server.requests.first)
        let signature = try #require(request.headers["x-omi-signature"])
        #expect(signature.hasPrefix("t=\(Int(now.now.timeIntervalSince1970)),v1="))
        #expect((try? WebhookSigner.verify(header: signature, body: request.body, uid: "u_7Kq2", secrets: [secret], now: now.now).get()) == 0)
        #expect(request.headers["x-omi-event"] == "transcript_processed")
        #expect(request.headers["x-omi-delivery"] != nil && request.headers["x-omi-delivery"] == request.headers["idempotency-key"])
    }

    @Test("Five failed calls open the circuit: the next batch is not sent, and after 30 s one probe goes out")
    func breakerOpens() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 500) }
        defer { server.stop() }
        let now = TestNow()
        let sink = await run(app(server.baseURL + "/hook"), batches: 7, now: now, breakers: CircuitBreakerRegistry()) { i in
            if i == 5 { now.advance(30) }  // after the 6th batch (held back), the open period ends
        }
        let kinds = sink.calls.withLock { $0 }.map { call -> String in
            switch call.result {
            case .success(let r): "\(r.status)"
            case .failure(let f): f.kind.rawValue
            }
        }
        #expect(kinds == ["500", "500", "500", "500", "500", "circuit_open", "500"])
        #expect(server.requests.count == 6)
    }

    @Test("A 200 that is not JSON is a success, unless upstream_breaker_json is on")
    func nonJSONSuccess() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array("OK".utf8)) }
        defer { server.stop() }
        let bridge = CircuitBreakerRegistry()
        _ = await run(app(server.baseURL + "/a"), batches: 5, now: TestNow(), breakers: bridge)
        #expect(bridge.state(for: server.baseURL + "/a") == .closed(failures: 0))
        let upstream = CircuitBreakerRegistry()
        _ = await run(app(server.baseURL + "/b"), batches: 5, now: TestNow(), breakers: upstream, upstreamJSON: true)
        guard case .open = upstream.state(for: server.baseURL + "/b") else {
            Issue.record("upstream mode did not open the circuit: \(upstream.state(for: server.baseURL + "/b"))")
            return
        }
    }
}

import BridgeTesting
import Foundation
import OmiApps
import Testing
import Transcription

/// The segment of omi-contract §9 A.
let goldenSegment = TranscriptSegment(
    id: "5b0e8c1e-3f7a-4d2b-9c1a-2e6f0b7d9a41", text: "Can you send me the deck by Friday?", speakerID: 1,
    start: 12.34, end: 14.9)

/// The JSON a request carried, for order-independent comparison.
func jsonObject(_ bytes: [UInt8]) -> NSObject? {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) as? NSObject
}

func app(
    _ url: String, trigger: AppTrigger = .transcriptProcessed, contract: AppManifest.TranscriptContract = .backend,
    proactive: Bool = false, id: String = "app_123"
) -> AppManifest {
    AppManifest(
        id: id, name: "Meeting Coach",
        capabilities: proactive ? ["external_integration", "proactive_notification"] : ["external_integration"],
        trigger: trigger, webhookURL: url, scopes: proactive ? ["user_name"] : [], transcriptContract: contract)
}

@Suite("Webhook requests byte for byte as the Omi backend sends them (omi-contract §3, §9)")
struct WebhookGoldenTests {
    private func send(_ request: WebhookRequest, to server: LoopbackHTTPServer) async throws -> LoopbackHTTPServer.Request {
        let client = WebhookClient()
        let result = await client.post(request)
        await client.shutdown()
        guard case .success(let response) = result else { throw TestServerError("no answer: \(result)") }
        #expect(response.status == 200)
        return try #require(server.requests.last)
    }

    @Test("transcript_processed, backend mode: §9 A exactly (request line, query, headers, body)")
    func backendMode() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array("{}".utf8)) }
        defer { server.stop() }
        let hook = app(server.baseURL + "/hook")
        let request = WebhookRequest(
            url: WebhookURL.transcript(hook.webhookURL!, uid: "u_7Kq2", sessionID: "ignored", contract: .backend),
            body: WebhookPayloads.transcript([goldenSegment], sessionID: "u_7Kq2", contract: .backend))
        let received = try await send(request, to: server)
        #expect(received.method == "POST" && received.target == "/hook?uid=u_7Kq2")
        #expect(received.headers["content-type"] == "application/json")
        #expect(received.headers["authorization"] == nil && received.headers["x-omi-signature"] == nil)
        let golden = #"""
            {"session_id":"u_7Kq2","segments":[{"id":"5b0e8c1e-3f7a-4d2b-9c1a-2e6f0b7d9a41","text":"Can you send me the deck by Friday?","speaker":"SPEAKER_1","speaker_id":1,"is_user":false,"person_id":null,"start":12.34,"end":14.9,"translations":[],"speech_profile_processed":true,"stt_provider":null}]}
            """#
        #expect(jsonObject(received.body) == jsonObject(Array(golden.utf8)))
        // Compact, unescaped JSON: no spaces after separators, slashes and non-ASCII as they are.
        #expect(!String(decoding: received.body, as: UTF8.self).contains("\": "))
    }

    @Test("transcript_processed, documented mode and the bare array: query and body shapes")
    func documentedModes() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200) }
        defer { server.stop() }
        let documented = WebhookRequest(
            url: WebhookURL.transcript(server.baseURL + "/hook?k=1", uid: "u_7Kq2", sessionID: "s_9", contract: .documented),
            body: WebhookPayloads.transcript([goldenSegment], sessionID: "s_9", contract: .documented))
        let a = try await send(documented, to: server)
        #expect(a.target == "/hook?k=1&session_id=s_9&uid=u_7Kq2")
        let body = try #require(jsonObject(a.body) as? [String: Any])
        #expect(body["session_id"] as? String == "s_9" && (body["segments"] as? [Any])?.count == 1)

        let array = WebhookRequest(
            url: WebhookURL.transcript(server.baseURL + "/hook", uid: "u_7Kq2", sessionID: "s_9", contract: .documentedArray),
            body: WebhookPayloads.transcript([goldenSegment], sessionID: "s_9", contract: .documentedArray))
        let b = try await send(array, to: server)
        #expect(b.target == "/hook?uid=u_7Kq2")
        let items = try #require(jsonObject(b.body) as? [[String: Any]])
        #expect(items.count == 1 && items[0]["speakerId"] as? Int == 1 && items[0]["speaker"] as? String == "SPEAKER_1")
    }

    @Test("uid joins an existing query with &, as upstream (§3.1)")
    func uidJoin() {
        #expect(WebhookURL.withUID("https://a.example/h", uid: "u") == "https://a.example/h?uid=u")
        #expect(WebhookURL.withUID("https://a.example/h?x=1", uid: "u") == "https://a.example/h?x=1&uid=u")
    }

    @Test("audio_bytes: ?sample_rate=&uid=, raw PCM16 LE, octet-stream; the upstream ? quirk is a switch (§3.4, §8)")
    func audioBytes() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200) }
        defer { server.stop() }
        #expect(WebhookURL.audioBytes("https://a.example/h?x=1", uid: "u", sampleRate: 16000, upstreamQuirk: true)
            == "https://a.example/h?x=1?sample_rate=16000&uid=u")
        #expect(WebhookURL.audioBytes("https://a.example/h?x=1", uid: "u", sampleRate: 16000, upstreamQuirk: false)
            == "https://a.example/h?x=1&sample_rate=16000&uid=u")
        let samples: [Int16] = [0, 1, -1, 0x1234, Int16.min]
        let request = WebhookRequest(
            url: WebhookURL.audioBytes(server.baseURL + "/audio", uid: "u_7Kq2", sampleRate: 16000, upstreamQuirk: false),
            body: WebhookPayloads.audio(samples), contentType: "application/octet-stream")
        let received = try await send(request, to: server)
        #expect(received.target == "/audio?sample_rate=16000&uid=u_7Kq2")
        #expect(received.headers["content-type"] == "application/octet-stream")
        #expect(received.body == [0, 0, 1, 0, 0xFF, 0xFF, 0x34, 0x12, 0x00, 0x80])
    }
}

@Suite("WebhookClient limits")
struct WebhookClientLimitTests {
    @Test("At most maxInFlight requests are on the wire at once; the rest wait their turn and all arrive")
    func inFlightLimit() async throws {
        // Each request is held until the test lets it answer, so what is on the wire stays on the wire.
        let gate = DispatchSemaphore(value: 0)
        let server = try LoopbackHTTPServer { _ in .held(gate, status: 200, body: []) }
        defer { server.stop() }
        let client = WebhookClient(maxInFlight: 4)
        let posts = Task {
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<10 {
                    group.addTask { _ = await client.post(WebhookRequest(url: server.baseURL + "/h?i=\(i)", body: [])) }
                }
            }
        }
        #expect(await eventually { server.requests.count >= 4 })
        #expect(server.requests.count == 4)  // unlimited, all 10 would be in by now
        for _ in 0..<10 { gate.signal() }
        await posts.value
        #expect(server.requests.count == 10)
        await client.shutdown()
    }
}

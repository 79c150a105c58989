import BridgeTesting
import Foundation
import OmiApps
import Testing

@Suite("audio_bytes trigger (omi-contract §3.4)")
struct AudioBytesTriggerTests {
    @Test("A chunk goes out once the buffer exceeds sample rate × 4 s × 2 bytes, whole, then the buffer is cleared")
    func threshold() async throws {
        let server = try LoopbackHTTPServer { _ in .reply(status: 200, body: Array("ignored".utf8)) }
        defer { server.stop() }
        let client = WebhookClient()
        let trigger = AudioBytesTrigger(
            apps: [app(server.baseURL + "/audio?k=1", trigger: .audioBytes)], uid: "u1", client: client, sink: RecordingSink())
        #expect(await trigger.thresholdBytes == 128_000)
        let running = Task { await trigger.run() }
        await trigger.submit([Int16](repeating: 7, count: 64_000))  // exactly 128,000 bytes: not more
        #expect(await trigger.chunksCut == 0)
        await trigger.submit([Int16(-2)])
        #expect(await trigger.chunksCut == 1)
        await trigger.submit([Int16](repeating: 3, count: 10))  // stays in the buffer
        await trigger.finish()
        await running.value
        await client.shutdown()
        #expect(server.requests.count == 1)
        let request = try #require(server.requests.first)
        #expect(request.target == "/audio?k=1&sample_rate=16000&uid=u1")
        #expect(request.headers["content-type"] == "application/octet-stream")
        #expect(request.body.count == 128_002 && request.body.suffix(2) == [0xFE, 0xFF] && request.body.prefix(2) == [7, 0])
    }

    @Test("Latest wins: a chunk not yet sent when the next is ready is replaced by it")
    func latestWins() async throws {
        // The app holds each request until the test lets it answer, so chunk 1 is in flight while 2 and 3 are cut.
        let gate = DispatchSemaphore(value: 0)
        let server = try LoopbackHTTPServer { _ in .held(gate, status: 200, body: []) }
        defer { server.stop() }
        let client = WebhookClient()
        let trigger = AudioBytesTrigger(
            apps: [app(server.baseURL + "/audio", trigger: .audioBytes)], uid: "u1", client: client, sink: RecordingSink(),
            seconds: 1)
        let running = Task { await trigger.run() }
        await trigger.submit([Int16](repeating: 1, count: 16_001))
        #expect(await eventually { server.requests.count == 1 })  // chunk 1 is in flight (the app is slow)
        await trigger.submit([Int16](repeating: 2, count: 16_001))
        await trigger.submit([Int16](repeating: 3, count: 16_001))
        for _ in 0..<3 { gate.signal() }  // enough for all three, so a wrong implementation fails instead of hanging
        await trigger.finish()
        await running.value
        await client.shutdown()
        #expect(server.requests.map { $0.body.first } == [1, 3])
    }
}

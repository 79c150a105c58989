import BridgeTesting
import Foundation
import Glibc
import OmiAudio
import Synchronization
import Testing

@Suite("The outbox survives a crash")
struct OutboxCrashTests {
    @Test("kill -9 between enqueue and delivery: after a restart the app gets the conversation, one idempotency key")
    func killNine() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The first POST is held (the app is slow) and the bridge killed while it waits; later ones are answered.
        // The server's thread kills it on that request's arrival: a test polling for the request can be held up
        // past the webhook's 15 s read timeout when the parallel suite starves the cooperative pool, and the bridge
        // would then have given up and exited on its own.
        let gate = DispatchSemaphore(value: 0)
        let answered = Mutex(0)
        let bridgePID = Atomic<Int32>(0)
        let server = try LoopbackHTTPServer { _ in
            if answered.withLock({ $0 += 1; return $0 }) == 1 {
                let pid = bridgePID.load(ordering: .acquiring)
                if pid > 0 { kill(pid, SIGKILL) }
                gate.wait()
                return .reset
            }
            return .reply(status: 200, body: Array("{}".utf8))
        }
        defer {
            gate.signal()
            server.stop()
        }
        let (program, wav) = try commandFixtures(dir, segment: #"{"text": "remember the deck"}"#)
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            user: {uid: u1}
            storage: {path: bridge.sqlite}
            transcriber: {backend: command, command: {program: \(program)}}
            apps:
              - id: notes
                name: Notes
                capabilities: [external_integration]
                external_integration: {triggers_on: memory_creation, webhook_url: "\(server.baseURL)/memory"}
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let log = dir.appendingPathComponent("run.log").path
        let bridge = try CLI.start(["transcribe", wav, "--config", config], log: log)
        bridgePID.store(bridge.processIdentifier, ordering: .releasing)
        // Enqueued, and the delivery is on the wire.
        #expect(
            await eventually { server.requests.count == 1 },
            "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log")")
        kill(bridge.processIdentifier, SIGKILL)  // already done by the server, unless the request beat the store
        #expect(await eventually { !bridge.isRunning })  // never block a cooperative thread on waitUntilExit
        #expect(bridge.terminationReason == .uncaughtSignal)

        let restart = try await CLI.run(["outbox", "deliver", "--config", config])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout.contains("outbox: 0 pending, 0 dead letters"), "\(restart.stdout)")
        let requests = server.requests
        #expect(requests.count == 2)
        let keys = Set(requests.compactMap { $0.headers["x-omi-idempotency-key"] })
        #expect(keys.count == 1 && requests.allSatisfy { $0.body == requests[0].body })
        #expect(keys.first?.hasSuffix(":notes") == true)
    }
}

import BridgeTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OmiAudio
import OmiSimulator
import Synchronization
import Testing

/// `omi-bridge run` as the whole live pipeline: the simulated Omi on a private bus → BlueZ client → Opus →
/// endpointer → transcriber → app webhooks → notification centre → feed; and what SIGTERM does to a conversation.
@Suite("run: the live pipeline to the apps and the feed")
struct LiveRunTests {
    /// A simulated Omi streaming one second of tone between silences, at `speed`× real time.
    static func simulator(_ bus: PrivateBus, speed: Double = 2) async throws -> BlueZSimulator {
        var configuration = SimulatorConfiguration()
        configuration.speed = speed
        configuration.loop = false
        let samples = [Int16](repeating: 0, count: 8000) + TestTone.make(seconds: 1) + [Int16](repeating: 0, count: 24_000)
        return try await BlueZSimulator(
            bus: .address(bus.address), configuration: configuration, audio: PCMAudio(samples: samples, sampleRate: 16_000))
    }

    static func config(_ dir: URL, program: String, transcriptURL: String, memoryURL: String) throws -> String {
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            user: {uid: u1, name: Alex}
            storage: {path: bridge.sqlite}
            transcriber: {backend: command, command: {program: \(program)}}
            notifications: {channels: {desktop: {enabled: false}, device_haptic: {enabled: false}}}
            apps:
              - id: coach
                name: Coach
                capabilities: [external_integration, proactive_notification]
                external_integration: {triggers_on: transcript_processed, webhook_url: "\(transcriptURL)"}
                proactive_notification: {scopes: [user_name]}
              - id: notes
                name: Notes
                capabilities: [external_integration]
                external_integration: {triggers_on: memory_creation, webhook_url: "\(memoryURL)"}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// The app under test: it answers every transcript with a proactive notification for {{user_name}}; the
    /// transcriber (a `command` program) hears "remember the deck" in every utterance.
    static func coach(_ dir: URL) throws -> (LoopbackHTTPServer, program: String) {
        let server = try LoopbackHTTPServer { request in
            guard request.path == "/transcript" else { return .reply(status: 200, body: Array("{}".utf8)) }
            return .reply(
                status: 200, body: Array(#"{"notification": {"prompt": "Hello {{user_name}}", "params": ["user_name"]}}"#.utf8))
        }
        let (program, _) = try commandFixtures(dir, segment: #"{"text": "remember the deck"}"#)
        return (server, program)
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test("Segments reach the app while the Omi streams; its notification lands in the feed; SIGTERM sends the conversation")
    func liveToFeed() async throws {
        let bus = try PrivateBus()
        // Real time, as a real Omi streams: the speech-end → webhook latency is measured against the wall clock.
        let simulator = try await Self.simulator(bus, speed: 1)
        defer { simulator.stop() }
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, program) = try Self.coach(dir)
        defer { server.stop() }
        let config = try Self.config(
            dir, program: program, transcriptURL: "\(server.baseURL)/transcript", memoryURL: "\(server.baseURL)/memory")
        let log = dir.appendingPathComponent("run.log").path
        let bridge = try CLI.start(["run", "--config", config, "--bus", bus.address, "--stats", "0", "--port", "0"], log: log)
        defer { bridge.terminate() }

        // Live: the transcript webhook is called while the bridge is still running.
        #expect(await eventually { server.requests.contains { $0.path == "/transcript" } }, "\(Self.text(log))")
        let transcript = try #require(server.requests.first { $0.path == "/transcript" })
        #expect(transcript.query["uid"] == "u1")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(transcript.body)) as? [String: Any])
        let segments = try #require(body["segments"] as? [[String: Any]])
        #expect(segments.map { $0["text"] as? String } == ["remember the deck"])
        #expect(await eventually { Self.text(log).contains("notification app.proactive: Coach says") }, "\(Self.text(log))")
        #expect(bridge.isRunning)
        #expect(!server.requests.contains { $0.path == "/memory" }, "the conversation is still open")

        let feed = try await CLI.run(["feed", "--config", config, "--json"])
        #expect(feed.status == 0, "\(feed.stderr)")
        let items = feed.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(items.count == 1)
        #expect(items.first?["event_category"] as? String == "app.proactive")
        #expect(items.first?["app_id"] as? String == "coach")
        #expect((items.first?["message"] as? String)?.contains("Hello Alex") == true, "\(feed.stdout)")

        // The same process serves the HTTP API, whose /metrics has the live stages' numbers (the audio counters are
        // sampled every 2 s).
        #expect(await eventually { Self.text(log).contains("listening on") })
        let port = try #require(await eventually { CLI.listeningPort(log) != nil } ? CLI.listeningPort(log) : nil)
        let url = URL(string: "http://127.0.0.1:\(port)/metrics")!
        let sampled = await eventually {
            let body = try? await URLSession.shared.data(from: url).0
            let lines = body.map { String(decoding: $0, as: UTF8.self).split(separator: "\n") } ?? []
            return lines.contains { $0.hasPrefix("omi_bridge_audio_notifications_received_total ") && !$0.hasSuffix(" 0") }
        }
        #expect(sampled, "the audio counters never appeared in /metrics")
        let (metrics, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let exposition = String(decoding: metrics, as: UTF8.self)
        #expect(exposition.contains("omi_bridge_transcriber_real_time_factor_count 1"), "\(exposition)")
        #expect(exposition.contains(#"omi_bridge_webhook_requests_total{app="coach""#), "\(exposition)")
        #expect(exposition.contains("omi_bridge_speech_end_to_webhook_seconds_count 1"), "\(exposition)")
        #expect(exposition.contains("omi_bridge_device_battery_percent 87"), "\(exposition)")
        #expect(exposition.contains("omi_bridge_device_connected 1"), "\(exposition)")

        // `status --url` reads the same from the running daemon.
        let status = try await CLI.run(["status", "--config", config, "--url", "http://127.0.0.1:\(port)", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let daemon = try #require(report["server"] as? [String: Any], "\(status.stdout)")
        #expect((daemon["readyz"] as? [String: Any])?["status"] as? String == "ready", "\(daemon)")
        let headlines = try #require(daemon["metrics"] as? [String: Any], "\(daemon)")
        #expect(headlines["omi_bridge_device_connected"] as? Int == 1, "\(headlines)")
        #expect(headlines["omi_bridge_device_battery_percent"] as? Int == 87, "\(headlines)")
        #expect((headlines["omi_bridge_audio_notifications_received_total"] as? Int ?? 0) > 0, "\(headlines)")

        bridge.terminate()
        #expect(await eventually { !bridge.isRunning })
        #expect(bridge.terminationReason == .exit && bridge.terminationStatus == 0, "\(Self.text(log))")
        let memory = try #require(server.requests.first { $0.path == "/memory" }, "\(Self.text(log))")
        let conversation = try #require(try JSONSerialization.jsonObject(with: Data(memory.body)) as? [String: Any])
        #expect((conversation["transcript_segments"] as? [[String: Any]])?.first?["text"] as? String == "remember the deck")
        #expect(Self.text(log).contains("transcript [00:00."), "segments are logged as they come")
    }

    @Test("SIGTERM mid-conversation while the app fails: the conversation is kept in the outbox and the next run delivers it")
    func sigtermKeepsConversation() async throws {
        let bus = try PrivateBus()
        let simulator = try await Self.simulator(bus)
        defer { simulator.stop() }
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let healthy = Mutex(false)
        let server = try LoopbackHTTPServer { request in
            if request.path == "/memory" && !healthy.withLock({ $0 }) { return .reply(status: 503) }
            return .reply(status: 200, body: Array("{}".utf8))
        }
        defer { server.stop() }
        let (program, _) = try commandFixtures(dir, segment: #"{"text": "call the bank"}"#)
        let config = try Self.config(
            dir, program: program, transcriptURL: "\(server.baseURL)/transcript", memoryURL: "\(server.baseURL)/memory")
        let log = dir.appendingPathComponent("run.log").path
        let first = try CLI.start(["run", "--config", config, "--bus", bus.address, "--stats", "0", "--no-serve"], log: log)
        defer { first.terminate() }
        #expect(await eventually { server.requests.contains { $0.path == "/transcript" } }, "\(Self.text(log))")
        first.terminate()
        #expect(await eventually { !first.isRunning })
        #expect(first.terminationStatus == 0, "\(Self.text(log))")
        #expect(server.requests.filter { $0.path == "/memory" }.count == 1, "one attempt at shutdown, answered 503")

        let outbox = try await CLI.run(["outbox", "list", "--config", config])
        #expect(outbox.status == 0, "\(outbox.stderr)")
        #expect(outbox.stdout.contains("notes"), "the conversation waits in the outbox: \(outbox.stdout)")

        healthy.withLock { $0 = true }
        let again = dir.appendingPathComponent("again.log").path
        let second = try CLI.start(["run", "--config", config, "--bus", bus.address, "--stats", "0", "--no-serve"], log: again)
        defer { second.terminate() }
        #expect(await eventually { server.requests.filter { $0.path == "/memory" }.count == 2 }, "\(Self.text(again))")
        let attempts = server.requests.filter { $0.path == "/memory" }
        try #require(attempts.count == 2)
        #expect(attempts[0].body == attempts[1].body)
        #expect(attempts[0].headers["x-omi-idempotency-key"] == attempts[1].headers["x-omi-idempotency-key"])
        let body = try #require(try JSONSerialization.jsonObject(with: Data(attempts[1].body)) as? [String: Any])
        #expect((body["transcript_segments"] as? [[String: Any]])?.first?["text"] as? String == "call the bank")
    }
}

import BridgeTesting
import Foundation
import Synchronization
import Testing
import Transcription

private let key = "dg-secret-key-123"

/// Two seconds of a recognisable ramp (negative values too), so byte order and framing show in the server's copy.
private func utterance(_ seed: Int, samples: Int = 32_000) -> [Int16] {
    (0..<samples).map { Int16(truncatingIfNeeded: ($0 &* 37 &+ seed &* 1000) % 60_000 - 30_000) }
}

private func littleEndian(_ samples: [Int16]) -> [UInt8] {
    samples.flatMap {
        [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0)), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8)]
    }
}

private func json(_ object: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}

private func type(_ text: String) -> String? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["type"] as? String
}

/// A Deepgram `Results` message; times are stream-absolute, as Deepgram sends them.
private func results(
    start: Double, duration: Double,
    words: [(word: String, punctuated: String, start: Double, end: Double, speaker: Int)],
    fromFinalize: Bool
) -> String {
    json([
        "type": "Results", "channel_index": [0, 1], "start": start, "duration": duration, "is_final": true,
        "speech_final": fromFinalize, "from_finalize": fromFinalize,
        "channel": [
            "alternatives": [
                [
                    "transcript": words.map(\.punctuated).joined(separator: " "), "confidence": 0.98,
                    "words": words.map {
                        [
                            "word": $0.word, "punctuated_word": $0.punctuated, "start": $0.start, "end": $0.end,
                            "confidence": 0.99,
                            "speaker": $0.speaker, "speaker_confidence": 0.7,
                        ] as [String: Any]
                    },
                ]
            ]
        ],
        "metadata": ["request_id": "test", "model_info": ["name": "2-general-nova"]],
    ])
}

/// Answers each `Finalize` like Deepgram: speaker 0 in the first second of the utterance, speaker 1 in the second,
/// at stream-absolute times (the utterance starts where the previous one on this socket ended).
private final class ScriptedDeepgram: Sendable {
    private let ends = Mutex<[Int: Double]>([:])

    func answer(_ peer: LoopbackWebSocketServer.Peer, _ text: String) {
        if type(text) == "CloseStream" {  // Deepgram flushes, sends its summary and closes
            peer.send(
                json(["type": "Metadata", "request_id": "test", "duration": Double(peer.samplesReceived) / 16_000]))
            peer.close(code: 1000)
        }
        guard type(text) == "Finalize" else { return }
        let end = Double(peer.samplesReceived) / 16_000
        let base = ends.withLock { e in
            defer { e[peer.index] = end }
            return e[peer.index] ?? 0
        }
        peer.send(json(["type": "Metadata", "request_id": "test"]))  // benign messages are skipped
        peer.send(
            results(
                start: base, duration: 1.0,
                words: [
                    ("hello", "Hello,", base + 0.10, base + 0.40, 0), ("there", "there.", base + 0.45, base + 0.80, 0),
                ], fromFinalize: false))
        peer.send(
            results(
                start: base + 1.0, duration: end - base - 1.0,
                words: [
                    ("general", "General", base + 1.00, base + 1.30, 1),
                    ("kenobi", "Kenobi!", base + 1.35, base + 1.90, 1),
                ], fromFinalize: true))
    }
}

private let expected = [
    RecognizedSpan(text: "Hello, there.", start: 0.10, end: 0.80, speaker: 0),
    RecognizedSpan(text: "General Kenobi!", start: 1.00, end: 1.90, speaker: 1),
]

private func close(_ a: [RecognizedSpan], _ b: [RecognizedSpan]) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy { x, y in
            x.text == y.text && x.speaker == y.speaker && abs((x.start ?? -9) - (y.start ?? 9)) < 1e-6
                && abs((x.end ?? -9) - (y.end ?? 9)) < 1e-6
        }
}

/// Runs `body` against a fresh server and always stops it.
private func withServer<T>(
    upgrade: @escaping @Sendable (LoopbackWebSocketServer.Handshake) -> LoopbackWebSocketServer.Upgrade = { _ in .accept
    },
    onText: @escaping @Sendable (LoopbackWebSocketServer.Peer, String) -> Void = { _, _ in },
    _ body: (LoopbackWebSocketServer) async throws -> T
) async throws -> T {
    let server = try await LoopbackWebSocketServer(upgrade: upgrade, onText: onText)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

private func options(_ server: LoopbackWebSocketServer, timeout: Duration = .seconds(10)) -> DeepgramTranscriber.Options
{
    var options = DeepgramTranscriber.Options(apiKey: key, url: server.url)
    options.timeout = timeout
    options.connectTimeout = .seconds(10)
    return options
}

@Suite("deepgram backend against a loopback WebSocket server")
struct DeepgramTranscriberTests {
    @Test("Request shape, exact audio, Finalize, diarized spans rebased per utterance, one connection reused")
    func requestShapeAndRebasing() async throws {
        let deepgram = ScriptedDeepgram()
        try await withServer(onText: deepgram.answer) { server in
            let clock = ManualClock()  // never advanced: no KeepAlive gets in the way
            let transcriber = DeepgramTranscriber(options: options(server), clock: clock)
            let first = utterance(1), second = utterance(2, samples: 40_000)
            let spans1 = try await transcriber.transcribe(first)
            let spans2 = try await transcriber.transcribe(second)
            #expect(close(spans1, expected), "\(spans1)")
            #expect(close(spans2, expected), "second utterance's times are rebased to its own start: \(spans2)")

            #expect(server.handshakes.count == 1 && server.peers.count == 1)
            #expect(await transcriber.openedConnections == 1)
            let handshake = try #require(server.handshakes.first)
            #expect(handshake.path == "/v1/listen")
            #expect(
                handshake.query == [
                    "encoding": "linear16", "sample_rate": "16000", "channels": "1", "model": "nova-2",
                    "language": "en",
                    "punctuate": "true", "smart_format": "true", "diarize": "true", "endpointing": "300",
                    "interim_results": "false", "no_delay": "true", "filler_words": "false",
                    "profanity_filter": "false",
                    "multichannel": "false",
                ])
            #expect(handshake.headers["authorization"] == "Token \(key)")
            let peer = try #require(server.peers.first)
            #expect(peer.audio == littleEndian(first) + littleEndian(second))
            #expect(peer.texts.map(type) == ["Finalize", "Finalize"])

            await transcriber.close()
            #expect(await eventually { peer.texts.map(type).last == "CloseStream" })
        }
    }

    @Test(
        "Without a from_finalize answer, finals that cover all the audio end the utterance; older results are skipped")
    func endsWhenFinalsCoverTheAudio() async throws {
        try await withServer(onText: { peer, text in
            if type(text) == "CloseStream" { peer.close(code: 1000) }
            guard type(text) == "Finalize" else { return }
            let end = Double(peer.samplesReceived) / 16_000
            // A late answer for audio before this utterance (ends at its start), then one final covering it all.
            peer.send(
                results(
                    start: end - 2.5, duration: 0.5, words: [("late", "Late.", end - 2.4, end - 2.1, 0)],
                    fromFinalize: true))
            peer.send(
                results(
                    start: end - 2, duration: 2,
                    words: [("on", "On", end - 1.5, end - 1.2, 1), ("time", "time.", end - 1.1, end - 0.6, 1)],
                    fromFinalize: false))
        }) { server in
            let transcriber = DeepgramTranscriber(options: options(server), clock: ManualClock())
            _ = try await transcriber.transcribe([Int16](repeating: 0, count: 8_000))  // 0.5 s: "Late." belongs here
            let spans = try await transcriber.transcribe(utterance(17))
            #expect(close(spans, [RecognizedSpan(text: "On time.", start: 0.5, end: 1.4, speaker: 1)]), "\(spans)")
            await transcriber.close()
        }
    }

    @Test("Model and language options reach the query")
    func modelAndLanguage() async throws {
        try await withServer(onText: ScriptedDeepgram().answer) { server in
            var opts = options(server)
            (opts.model, opts.language) = ("nova-3", "de")
            let transcriber = DeepgramTranscriber(options: opts, clock: ManualClock())
            _ = try await transcriber.transcribe(utterance(3))
            #expect(
                server.handshakes.first?.query["model"] == "nova-3"
                    && server.handshakes.first?.query["language"] == "de")
            await transcriber.close()
        }
    }

    @Test("While idle, KeepAlive follows the injected clock: one per interval, none before it")
    func keepAlive() async throws {
        try await withServer(onText: ScriptedDeepgram().answer) { server in
            let clock = ManualClock()
            let transcriber = DeepgramTranscriber(options: options(server), clock: clock)
            _ = try await transcriber.transcribe(utterance(4))
            let peer = try #require(server.peers.first)
            @Sendable func keepAlives() -> Int { peer.texts.filter { type($0) == "KeepAlive" }.count }

            for n in 1...3 {
                #expect(await eventually { clock.sleeperCount == 1 })
                clock.advance(by: .seconds(4))  // short of the interval: the sleeper stays asleep
                #expect(clock.sleeperCount == 1 && keepAlives() == n - 1)
                clock.advance(by: .seconds(1))
                #expect(await eventually { keepAlives() == n }, "after \(n) intervals")
            }
            #expect(clock.asked.allSatisfy { $0 == .seconds(5) } && clock.asked.count >= 3)
            // The connection is still usable and was never reopened.
            #expect(close(try await transcriber.transcribe(utterance(5)), expected))
            #expect(server.peers.count == 1)
            await transcriber.close()
        }
    }

    @Test(
        "Upgrade refused or nothing listening: specific kinds, key never in the message",
        arguments: [
            ("401", TranscriberError.Kind.authentication), ("403", .authentication), ("500", .serverError),
            ("503", .serverError), ("400", .badResponse),
        ])
    func upgradeRefused(status: String, kind: TranscriberError.Kind) async throws {
        let code = Int(status)!
        try await withServer(upgrade: { _ in
            .reject(status: code, body: #"{"err_code":"X","err_msg":"refused \#(code)"}"#)
        }) { server in
            let transcriber = DeepgramTranscriber(options: options(server))
            let error = await #expect(throws: TranscriberError.self) { try await transcriber.transcribe(utterance(6)) }
            #expect(error?.kind == kind, "\(String(describing: error))")
            #expect(error?.message.contains("HTTP \(code)") == true, "\(String(describing: error))")
            #expect(error?.message.contains(key) == false)
            #expect(server.handshakes.first?.headers["authorization"] == "Token \(key)")
            #expect(server.peers.isEmpty)
        }
    }

    @Test("Nothing listening is `unreachable`")
    func unreachable() async throws {
        let url = "ws://127.0.0.1:\(LoopbackTCPServer.refusedPort)"  // nothing listens there
        var opts = DeepgramTranscriber.Options(apiKey: key, url: url)
        opts.connectTimeout = .seconds(5)
        let error = await #expect(throws: TranscriberError.self) {
            try await DeepgramTranscriber(options: opts).transcribe(utterance(7))
        }
        #expect(error?.kind == .unreachable, "\(String(describing: error))")
        #expect(error?.message.contains(key) == false)
    }

    @Test(
        "Deepgram's answers that fail the utterance",
        arguments: [
            ("silent", TranscriberError.Kind.timeout), ("garbage", .badResponse), ("notype", .badResponse),
            ("binary", .badResponse), ("error", .serverError), ("close1008", .badResponse),
        ])
    func answerErrors(mode: String, kind: TranscriberError.Kind) async throws {
        try await withServer(onText: { peer, text in
            guard type(text) == "Finalize" else { return }
            switch mode {
            case "garbage": peer.send("<html>not json</html>")
            case "notype": peer.send(#"{"channel":{}}"#)
            case "error": peer.send(json(["type": "Error", "description": "Bad audio", "variant": "DATA-0000"]))
            case "close1008": peer.close(code: 1008, reason: "DATA-0000: bad audio")
            case "binary": peer.send(binary: [1, 2, 3])  // not part of the protocol
            default: break  // silent: never answers
            }
        }) { server in
            // Only the silent server is meant to time out; the others answer at once, so their timeout is generous
            // enough that a loaded machine cannot turn a wrong answer into a timeout.
            let timeout: Duration = mode == "silent" ? .milliseconds(300) : .seconds(10)
            let transcriber = DeepgramTranscriber(options: options(server, timeout: timeout), clock: ManualClock())
            let error = await #expect(throws: TranscriberError.self) { try await transcriber.transcribe(utterance(8)) }
            #expect(error?.kind == kind, "\(String(describing: error))")
            #expect(error?.message.contains(key) == false)
            if mode == "error" { #expect(error?.message.contains("Bad audio") == true) }
            if mode == "close1008" { #expect(error?.message.contains("DATA-0000") == true) }
            #expect(server.peers.count == 1, "no retry for an answer that is wrong rather than lost")
            await transcriber.close()
        }
    }

    @Test("The socket closing mid-utterance is retried once on a fresh connection")
    func retriedOnce() async throws {
        let deepgram = ScriptedDeepgram()
        try await withServer(onText: { peer, text in
            if peer.index == 0, type(text) == "Finalize" { peer.close() } else { deepgram.answer(peer, text) }
        }) { server in
            let transcriber = DeepgramTranscriber(options: options(server), clock: ManualClock())
            let samples = utterance(9)
            let spans = try await transcriber.transcribe(samples)
            #expect(close(spans, expected), "times count from the fresh connection's start: \(spans)")
            #expect(server.peers.count == 2)
            #expect(server.peers.last?.audio == littleEndian(samples))
            await transcriber.close()
        }
    }

    @Test(
        "Closing mid-utterance on both connections fails specifically, after exactly one retry",
        arguments: [nil, 1011] as [UInt16?])
    func closedTwice(code: UInt16?) async throws {
        try await withServer(onText: { peer, text in
            if type(text) == "Finalize" { peer.close(code: code, reason: "NET-0001") }
        }) { server in
            let transcriber = DeepgramTranscriber(options: options(server), clock: ManualClock())
            let error = await #expect(throws: TranscriberError.self) { try await transcriber.transcribe(utterance(10)) }
            #expect(error?.kind == (code == 1011 ? .serverError : .badResponse), "\(String(describing: error))")
            #expect(error?.message.contains("two connections") == true)
            #expect(server.peers.count == 2)
            await transcriber.close()
        }
    }

    @Test("A connection the server closed while idle is replaced by the next utterance")
    func reconnectsAfterIdleClose() async throws {
        try await withServer(onText: ScriptedDeepgram().answer) { server in
            let transcriber = DeepgramTranscriber(options: options(server), clock: ManualClock())
            #expect(close(try await transcriber.transcribe(utterance(11)), expected))
            let first = try #require(server.peers.first)
            first.close(code: 1011, reason: "NET-0001: no audio within the timeout")
            #expect(close(try await transcriber.transcribe(utterance(12)), expected), "times restart at the new stream")
            #expect(server.peers.count == 2)
            await transcriber.close()
        }
    }

    @Test("Concurrent utterances are serialized on the one connection")
    func concurrent() async throws {
        try await withServer(onText: ScriptedDeepgram().answer) { server in
            let transcriber = DeepgramTranscriber(options: options(server), clock: ManualClock())
            let a = utterance(13), b = utterance(14)
            async let spansA = transcriber.transcribe(a)
            async let spansB = transcriber.transcribe(b)
            let (ra, rb) = try await (spansA, spansB)
            #expect(close(ra, expected) && close(rb, expected))
            let audio = try #require(server.peers.first).audio
            #expect(audio == littleEndian(a) + littleEndian(b) || audio == littleEndian(b) + littleEndian(a))
            #expect(server.peers.count == 1)
            await transcriber.close()
        }
    }

    @Test("No API key is `notConfigured` without connecting")
    func noKey() async throws {
        let error = await #expect(throws: TranscriberError.self) {
            try await DeepgramTranscriber(options: .init(apiKey: nil, url: "ws://127.0.0.1:9")).transcribe(
                utterance(15))
        }
        #expect(error?.kind == .notConfigured)
    }

    @Test("Deepgram down: the fallback chain answers with the next backend and reports the failure")
    func fallback() async throws {
        let url = "ws://127.0.0.1:\(LoopbackTCPServer.refusedPort)"  // nothing listens there
        struct Local: Transcriber {
            let name = "pocketsphinx"
            func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
                [RecognizedSpan(text: "local")]
            }
        }
        var opts = DeepgramTranscriber.Options(apiKey: key, url: url)
        opts.connectTimeout = .seconds(5)
        let chain = FallbackTranscriber([DeepgramTranscriber(options: opts), Local()])
        let (spans, backend, failures) = try await chain.transcribeReporting(utterance(16))
        #expect(spans == [RecognizedSpan(text: "local")] && backend == "pocketsphinx")
        #expect(failures.map(\.kind) == [.unreachable] && failures.map(\.backend) == ["deepgram"])
    }
}

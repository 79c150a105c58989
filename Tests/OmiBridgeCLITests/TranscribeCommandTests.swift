import Foundation
import BridgeTesting
import OmiAudio
import Testing

@Suite("omi-bridge transcribe / replay --transcribe")
struct TranscribeCommandTests {
    @Test("transcribe prints timed segments; --json gives Omi segment objects; a grammar makes them exact")
    func transcribe() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let grammar = dir.appendingPathComponent("lights.jsgf").path
        try "#JSGF V1.0;\ngrammar lights;\npublic <c> = (turn on | turn off) the (kitchen | garage) light;\n"
            .write(toFile: grammar, atomically: true, encoding: .utf8)
        let speech = try SpeechSynthesizer.speak("turn off the garage light", wordsPerMinute: 140)
        let wav = dir.appendingPathComponent("cmd.wav").path
        try AudioFile.writeWAV([Int16](repeating: 0, count: 8000) + speech.samples + [Int16](repeating: 0, count: 16_000), path: wav)

        let text = try await CLI.run(["transcribe", wav, "--grammar", grammar])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("SPEAKER_0: turn off the garage light"))

        let json = try await CLI.run(["transcribe", wav, "--grammar", grammar, "--json"])
        let line = try #require(json.stdout.split(separator: "\n").first)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(object["text"] as? String == "turn off the garage light")
        #expect(object["speaker"] as? String == "SPEAKER_0" && object["stt_provider"] as? String == "pocketsphinx")
        #expect((object["start"] as! Double) > 0.3 && (object["end"] as! Double) > (object["start"] as! Double))

        let replay = try await CLI.run(["replay", wav, "--transcribe", "--json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as! [String: Any]
        #expect((report["segments"] as? [Any])?.count == 1)
    }

    @Test("--backend command runs the given program per utterance")
    func commandBackend() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (program, wav) = try commandFixtures(dir, segment: #"{"text": "from the program", "start": 0.1, "end": 0.5}"#)
        let result = try await CLI.run(["transcribe", wav, "--backend", "command", "--command", program, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"text\":\"from the program\""))
        #expect(result.stdout.contains("\"stt_provider\":\"command\""))
        let missing = try await CLI.run(["transcribe", wav, "--backend", "command"])
        #expect(missing.status == 2 && missing.stderr.contains("--command PROGRAM"))
    }

    @Test("An unknown backend or an unreadable grammar is a one-line error")
    func errors() async throws {
        let unknown = try await CLI.run(["transcribe", "x.wav", "--backend", "whisperish"])
        #expect(
            unknown.status == 2
                && unknown.stderr.contains("--backend: 'whisperish' is not one of pocketsphinx, openai, deepgram, wyoming, command"))
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("s.wav").path
        try AudioFile.writeWAV([Int16](repeating: 0, count: 16_000), path: wav)
        let grammar = try await CLI.run(["transcribe", wav, "--grammar", "/nonexistent.jsgf"])
        #expect(grammar.status == 1 && grammar.stderr == "omi-bridge: /nonexistent.jsgf: cannot read the grammar file\n")
    }
}

@Suite("The transcriber section of the configuration file")
struct TranscriberConfigTests {
    @Test("transcriber.backend as a list is a fallback chain: a dead wyoming server falls back to the command backend")
    func fallbackChainFromConfig() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (program, wav) = try commandFixtures(dir, segment: #"{"text": "from the fallback"}"#)
        let port = LoopbackTCPServer.refusedPort
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            transcriber:
              backend: [wyoming, command]
              silence_ms: 700
              wyoming: {host: 127.0.0.1, port: \(port), language: en, timeout_s: 5}
              command: {program: \(program), timeout_s: 30}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["transcribe", wav, "--config", config, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"text\":\"from the fallback\""))
        #expect(result.stdout.contains("\"stt_provider\":\"command\""))
        #expect(result.stderr.contains("wyoming: unreachable: tcp://127.0.0.1:\(port)"), "\(result.stderr)")
        #expect(result.stderr.contains("used command"))

        // A flag overrides the file: --backend command alone never tries wyoming.
        let direct = try await CLI.run(["transcribe", wav, "--config", config, "--backend", "command", "--json"])
        #expect(direct.status == 0 && !direct.stderr.contains("wyoming"), "\(direct.stderr)")

        // The same chain with deepgram first: its key from the file, never printed.
        try """
            transcriber:
              backend: [deepgram, command]
              deepgram: {url: "ws://127.0.0.1:\(port)", api_key: dg-secret-key, timeout_s: 5, connect_timeout_s: 2}
              command: {program: \(program)}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let deepgram = try await CLI.run(["transcribe", wav, "--config", config, "--json"])
        #expect(deepgram.status == 0, "\(deepgram.stderr)")
        #expect(deepgram.stdout.contains("\"stt_provider\":\"command\""))
        #expect(deepgram.stderr.contains("deepgram: unreachable"), "\(deepgram.stderr)")
        #expect(!deepgram.stderr.contains("dg-secret-key") && !deepgram.stdout.contains("dg-secret-key"))
    }

    @Test("Every problem in the transcriber section is reported with its path, and the command exits 2")
    func problemsWithPaths() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            transcriber:
              backend: [deepgrum, openai, deepgram]
              silence_ms: 20
              hallucination_filter: maybe
              wyoming: {port: 70000, hots: x}
              openai: {model: small.en}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        // No Deepgram key anywhere: the environment is only PATH and HOME.
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin", "HOME": dir.path]
        let result = try await CLI.run(["transcribe", "x.wav", "--config", config], environment: environment)
        #expect(result.status == 2)
        for expected in [
            "transcriber.backend: 'deepgrum' is not one of", "transcriber.silence_ms: 20 is outside 100…5000",
            "transcriber.hallucination_filter: must be true or false", "transcriber.wyoming.port: 70000 is outside",
            "transcriber.wyoming.hots: unknown key", "transcriber.openai.url: required when transcriber.backend names openai",
            "transcriber.deepgram.api_key: required when transcriber.backend names deepgram (or set $OMI_BRIDGE_DEEPGRAM_API_KEY",
        ] {
            #expect(result.stderr.contains("\(config): \(expected)"), "missing: \(expected)\n\(result.stderr)")
        }
    }
}

/// A program that answers every utterance with `segment` (JSON), and a WAV holding one tone utterance.
func commandFixtures(_ dir: URL, segment: String) throws -> (program: String, wav: String) {
    let program = dir.appendingPathComponent("fake-whisper").path
    try writeExecutable("#!/bin/sh\necho '{\"segments\": [\(segment)]}'\n", to: program)
    let wav = dir.appendingPathComponent("t.wav").path
    try AudioFile.writeWAV(
        [Int16](repeating: 0, count: 8000) + TestTone.make(seconds: 1) + [Int16](repeating: 0, count: 16_000), path: wav)
    return (program, wav)
}

enum TestTone {
    static func make(seconds: Double) -> [Int16] {
        (0..<Int(seconds * 16_000)).map { Int16(6000 * sin(2 * Double.pi * 440 * Double($0) / 16_000)) }
    }
}

import BridgeTesting
import Foundation
import Testing
import Transcription

@Suite("command backend: an external program per utterance")
struct CommandTranscriberTests {
    private func script(_ body: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("omi-cmd-\(UUID().uuidString).sh").path
        try writeExecutable("#!/bin/sh\n\(body)\n", to: path)
        return path
    }

    @Test("The program gets a real 16 kHz WAV and its JSON segments come back as spans")
    func success() async throws {
        // The script checks its argument is a RIFF/WAVE file before answering.
        let path = try script("""
            head -c 4 "$1" | grep -q RIFF || exit 3
            echo '{"segments": [{"text": "hello world", "start": 0.2, "end": 0.9, "speaker": 1}, {"text": "again"}]}'
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spans = try await CommandTranscriber(executable: path).transcribe([Int16](repeating: 100, count: 1600))
        #expect(spans == [
            RecognizedSpan(text: "hello world", start: 0.2, end: 0.9, speaker: 1), RecognizedSpan(text: "again"),
        ])
        let bare = try script("echo '[{\"text\": \"bare array\"}]'")
        defer { try? FileManager.default.removeItem(atPath: bare) }
        #expect(try await CommandTranscriber(executable: bare).transcribe([0]).map(\.text) == ["bare array"])
    }

    @Test("Each failure is specific: exit status with stderr, bad JSON, timeout, missing program")
    func failures() async throws {
        let failing = try script("echo 'model not found' >&2; exit 4")
        let garbage = try script("echo 'this is not json'")
        let shapeless = try script("echo '{\"text\": 1}'")
        let slow = try script("sleep 10")
        defer { for p in [failing, garbage, shapeless, slow] { try? FileManager.default.removeItem(atPath: p) } }

        let e1 = await #expect(throws: TranscriberError.self) { try await CommandTranscriber(executable: failing).transcribe([0]) }
        #expect(e1?.kind == .engine && e1?.message == "\(failing) exited with status 4: model not found", "\(String(describing: e1))")
        let e2 = await #expect(throws: TranscriberError.self) { try await CommandTranscriber(executable: garbage).transcribe([0]) }
        #expect(e2?.kind == .badResponse && e2?.message.hasPrefix("output is not JSON") == true)
        let e3 = await #expect(throws: TranscriberError.self) { try await CommandTranscriber(executable: shapeless).transcribe([0]) }
        #expect(e3?.kind == .badResponse)
        let e4 = await #expect(throws: TranscriberError.self) {
            try await CommandTranscriber(executable: slow, timeout: .milliseconds(300)).transcribe([0])
        }
        #expect(e4?.kind == .timeout)
        let e5 = await #expect(throws: TranscriberError.self) {
            try await CommandTranscriber(executable: "/nonexistent/whisper").transcribe([0])
        }
        #expect(e5?.kind == .notConfigured)
    }
}

import Foundation
import OmiAudio

/// Any external recognizer as a program: it is run once per utterance with the path of a 16 kHz mono PCM16 WAV
/// file as its last argument, and prints JSON on stdout, either `{"segments": [...]}` or a bare array of
/// `{"text": String, "start"?: Double, "end"?: Double, "speaker"?: Int, "is_user"?: Bool}` (times in seconds
/// from the start of that file). Exit status 0 means success; anything else, or output that is not that JSON, is a
/// specific error. `scripts/faster-whisper-transcribe` is a ready wrapper for faster-whisper.
public struct CommandTranscriber: Transcriber {
    public let name = "command"
    public var executable: String
    public var arguments: [String]
    public var timeout: Duration

    public init(executable: String, arguments: [String] = [], timeout: Duration = .seconds(120)) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    public func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        let wav = FileManager.default.temporaryDirectory.appendingPathComponent("omi-utt-\(UUID().uuidString).wav").path
        defer { try? FileManager.default.removeItem(atPath: wav) }
        do { try AudioFile.writeWAV(samples, path: wav) } catch {
            throw TranscriberError(backend: name, kind: .engine, message: error.description)
        }
        let output = try await run(arguments + [wav])
        return try Self.parse(output, backend: name)
    }

    /// Runs the program (in its own process group, reaped off Swift's cooperative threads) and returns stdout.
    private func run(_ arguments: [String]) async throws(TranscriberError) -> Data {
        let outcome: ChildProcess.Outcome
        do { outcome = try await ChildProcess.run(executable, arguments, timeout: timeout) } catch {
            throw TranscriberError(backend: name, kind: .notConfigured, message: error.description)
        }
        if outcome.timedOut {
            throw TranscriberError(backend: name, kind: .timeout, message: "\(executable) did not finish within \(timeout)")
        }
        guard outcome.status == 0 else {
            let text = String(decoding: outcome.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let status = outcome.status.map { "exited with status \($0)" } ?? "was killed by a signal"
            throw TranscriberError(
                backend: name, kind: .engine,
                message: "\(executable) \(status)\(text.isEmpty ? "" : ": " + String(text.suffix(300)))")
        }
        return Data(outcome.stdout)
    }

    static func parse(_ output: Data, backend: String) throws(TranscriberError) -> [RecognizedSpan] {
        let fail = { (message: String) in TranscriberError(backend: backend, kind: .badResponse, message: message) }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: output) } catch {
            throw fail("output is not JSON: \(String(decoding: output.prefix(120), as: UTF8.self))")
        }
        let items: [Any]
        if let list = json as? [Any] {
            items = list
        } else if let object = json as? [String: Any], let list = object["segments"] as? [Any] {
            items = list
        } else {
            throw fail("expected a JSON array of segments or {\"segments\": [...]}")
        }
        var spans: [RecognizedSpan] = []
        for (i, item) in items.enumerated() {
            guard let object = item as? [String: Any], let text = object["text"] as? String else {
                throw fail("segments[\(i)]: needs a string \"text\"")
            }
            spans.append(
                RecognizedSpan(
                    text: text, start: (object["start"] as? NSNumber)?.doubleValue,
                    end: (object["end"] as? NSNumber)?.doubleValue, speaker: (object["speaker"] as? NSNumber)?.intValue,
                    isUser: object["is_user"] as? Bool))
        }
        return spans
    }
}

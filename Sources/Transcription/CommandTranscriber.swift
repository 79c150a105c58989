import Dispatch
import Foundation
import OmiAudio
import Synchronization

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

    /// Runs the program, collecting stdout; kills it at the timeout. Waits through callbacks, never on Swift's
    /// cooperative threads.
    private func run(_ arguments: [String]) async throws(TranscriberError) -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let name = name
        let timeout = timeout
        let result: Result<Data, TranscriberError> = await withCheckedContinuation { continuation in
            let once = Mutex(false)
            let finish: @Sendable (Result<Data, TranscriberError>) -> Void = { value in
                if !once.withLock({ done in defer { done = true }; return done }) { continuation.resume(returning: value) }
            }
            let collected = Mutex(Data())
            let errors = Mutex(Data())
            let readersDone = DispatchGroup()
            process.terminationHandler = { finished in
                DispatchQueue.global().async {
                    // A killed program's own children may still hold the pipes open: give the readers a moment,
                    // not forever.
                    _ = readersDone.wait(timeout: .now() + 1)
                    if finished.terminationReason == .uncaughtSignal {
                        finish(.failure(TranscriberError(backend: name, kind: .timeout, message: "\(executable) did not finish within \(timeout)")))
                    } else if finished.terminationStatus != 0 {
                        let text = String(decoding: errors.withLock { $0 }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                        finish(.failure(TranscriberError(backend: name, kind: .engine, message: "\(executable) exited with status \(finished.terminationStatus)\(text.isEmpty ? "" : ": " + String(text.suffix(300)))")))
                    } else {
                        finish(.success(collected.withLock { $0 }))
                    }
                }
            }
            do { try process.run() } catch {
                return finish(.failure(TranscriberError(backend: name, kind: .notConfigured, message: "cannot run \(executable): \(error.localizedDescription)")))
            }
            // Both pipes are drained while the program runs, so a chatty program cannot block on a full pipe.
            readersDone.enter()
            Thread {
                let data = stdout.fileHandleForReading.readDataToEndOfFile()
                collected.withLock { $0 = data }
                readersDone.leave()
            }.start()
            readersDone.enter()
            Thread {
                let data = stderr.fileHandleForReading.readDataToEndOfFile()
                errors.withLock { $0 = data }
                readersDone.leave()
            }.start()
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                guard !once.withLock({ $0 }) else { return }
                kill(pid, SIGKILL)
                // Answer now: the program's own children may keep its pipes (and its exit) pending for long.
                finish(.failure(TranscriberError(backend: name, kind: .timeout, message: "\(executable) did not finish within \(timeout)")))
            }
        }
        return try result.get()
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

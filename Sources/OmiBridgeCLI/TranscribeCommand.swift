import ArgumentParser
import Foundation
import OmiAudio
import Transcription

/// `omi-bridge transcribe`: file → pipeline → endpointing → transcriber → segments.
struct TranscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe an .omicap capture or an audio file through the live pipeline; print the segments.",
        discussion: "Text lines by default: [start → end] SPEAKER_n: text. With --json, one Omi segment object per line.")

    @Argument(help: "An .omicap capture, or an audio file (encoded on the fly as codec 21, MTU 247).")
    var file: String

    @Option(name: .long, help: "Transcriber backend. Available: \(TranscriberFactory.available.joined(separator: ", ")).")
    var backend = "pocketsphinx"

    @Option(name: .long, help: "pocketsphinx: a JSGF grammar file; only its sentences are recognized.")
    var grammar: String?

    @Option(name: .long, help: "pocketsphinx: comma-separated keywords to spot instead of free speech.")
    var keywords: String?

    @Option(name: .long, help: "command backend: the program to run per utterance (gets a WAV path; prints JSON).")
    var command: String?

    @Option(name: .long, help: "openai backend: server base URL, e.g. http://127.0.0.1:8000 (API key from $OPENAI_API_KEY).")
    var url: String?

    @Option(name: .long, help: "openai backend: model name.")
    var model = "whisper-1"

    @Option(name: .long, help: "openai backend: language code, e.g. en.")
    var language: String?

    @Flag(name: .long, help: "One JSON segment per line (the Omi transcript_processed segment shape).")
    var json = false

    @Option(name: .customLong("silence-ms"), help: "Silence that ends an utterance, in milliseconds.")
    var silenceMilliseconds = 600

    func validate() throws {
        guard TranscriberFactory.available.contains(backend) else {
            throw ValidationError("--backend: '\(backend)' is not one of \(TranscriberFactory.available.joined(separator: ", "))")
        }
        guard (100...5000).contains(silenceMilliseconds) else { throw ValidationError("--silence-ms: 100…5000") }
    }

    func run() async throws {
        let capture = try ReplayCommand.loadCapture(file)
        let transcriber = try TranscriberFactory.make(
            backend, grammarFile: grammar, keywords: keywords?.split(separator: ",").map(String.init), command: command,
            openAI: url.map { OpenAITranscriber.Options(baseURL: $0, model: model, language: language, apiKey: Self.apiKey) })
        var endpointing = EndpointerConfiguration()
        endpointing.silenceMilliseconds = silenceMilliseconds
        let json = json
        let result: CaptureTranscription.Result
        do {
            result = try await CaptureTranscription.run(capture, transcriber: transcriber, endpointing: endpointing) {
                segment in print(Self.render(segment, json: json))
            }
        } catch {
            throw CLIFailure(error.description)
        }
        for problem in result.problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        if !json {
            print("\(result.segments.count) segments, \(String(format: "%.1f", result.pipeline.decodedSeconds)) s of audio")
        }
    }

    /// The key comes from the environment only (a flag would show in `ps`): OMI_BRIDGE_OPENAI_API_KEY or
    /// OPENAI_API_KEY.
    static var apiKey: String? {
        let environment = ProcessInfo.processInfo.environment
        return (environment["OMI_BRIDGE_OPENAI_API_KEY"] ?? environment["OPENAI_API_KEY"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    static func render(_ segment: TranscriptSegment, json: Bool) -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? String(decoding: encoder.encode(segment), as: UTF8.self)) ?? "{}"
        }
        func time(_ t: Double) -> String { String(format: "%02d:%05.2f", Int(t) / 60, t.truncatingRemainder(dividingBy: 60)) }
        return "[\(time(segment.start)) → \(time(segment.end))] \(segment.speaker): \(segment.text)"
    }
}

/// Builds transcribers by backend name (the `transcriber.backend` config key, later).
enum TranscriberFactory {
    /// Backends implemented so far; deepgram and wyoming come next.
    static let available = ["pocketsphinx", "command", "openai"]

    static func make(
        _ name: String, grammarFile: String?, keywords: [String]?, command: String? = nil,
        openAI: OpenAITranscriber.Options? = nil
    ) throws(CLIFailure) -> any Transcriber {
        switch name {
        case "openai":
            guard let openAI else {
                throw CLIFailure("the openai backend needs --url BASE (e.g. http://127.0.0.1:8000)", exitCode: 2)
            }
            guard openAI.baseURL.hasPrefix("http://") || openAI.baseURL.hasPrefix("https://") else {
                throw CLIFailure("--url: '\(openAI.baseURL)' is not an http(s) URL", exitCode: 2)
            }
            return OpenAITranscriber(options: openAI)
        case "command":
            guard let command else {
                throw CLIFailure("the command backend needs --command PROGRAM (e.g. scripts/faster-whisper-transcribe)", exitCode: 2)
            }
            return CommandTranscriber(executable: command)
        case "pocketsphinx":
            var options = PocketSphinxTranscriber.Options(keywords: keywords)
            if let grammarFile {
                guard let text = try? String(contentsOfFile: grammarFile, encoding: .utf8) else {
                    throw CLIFailure("\(grammarFile): cannot read the grammar file")
                }
                options.grammar = text
            }
            do { return try PocketSphinxTranscriber(options: options) } catch { throw CLIFailure(error.description) }
        default:
            throw CLIFailure("transcriber backend '\(name)' is not available", exitCode: 2)
        }
    }
}

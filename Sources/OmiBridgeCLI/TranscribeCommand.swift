import ArgumentParser
import Foundation
import OmiAudio
import Transcription

/// `omi-bridge transcribe`: file → pipeline → endpointing → transcriber → segments.
struct TranscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe an .omicap capture or an audio file through the live pipeline; print the segments.",
        discussion: "Text lines by default: [start → end] SPEAKER_n: text. With --json, one Omi segment object per line. "
            + "Apps in the configuration file's apps section get their transcript_processed webhooks as the segments "
            + "come; each call is printed on standard error.")

    @Argument(help: "An .omicap capture, or an audio file (encoded on the fly as codec 21, MTU 247).")
    var file: String

    @OptionGroup var transcriber: TranscriberOptions

    @Flag(name: .long, help: "One JSON segment per line (the Omi transcript_processed segment shape).")
    var json = false

    func run() async throws {
        let bridge = try transcriber.bridgeSettings()
        let settings = bridge.transcriber
        let transcriber = try TranscriberFactory.make(settings)
        let capture = try ReplayCommand.loadCapture(file)
        let apps = try AppsSession(bridge)
        let json = json
        let result: CaptureTranscription.Result
        do {
            result = try await CaptureTranscription.run(
                capture, transcriber: transcriber, endpointing: settings.endpointing, filter: settings.filter,
                audioTap: apps?.audioTap
            ) { segment in
                print(Self.render(segment, json: json))
                apps?.submit(segment)
            }
        } catch {
            throw CLIFailure(error.description)
        }
        await apps?.finish()
        for problem in result.problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        if !json {
            print("\(result.segments.count) segments, \(String(format: "%.1f", result.pipeline.decodedSeconds)) s of audio")
        }
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

public import ArgumentParser
import Foundation
import OmiAudio
import Transcription

/// `omi-bridge replay`: a capture through the live pipeline, with statistics.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a capture through the same pipeline the live BLE path uses, and print statistics.",
        discussion: """
            FILE is an .omicap capture (see docs/omicap.md). A .wav or .pcm file is accepted too: it is first \
            encoded as a CV1 would send it (codec 21, MTU 247), then replayed.
            """
    )

    @Argument(help: "An .omicap capture, or a .wav/.pcm file to encode and replay.")
    var file: String

    @Option(name: .long, help: "'max' (as fast as possible) or a factor of real time (1 = as recorded).")
    var speed: String = "max"

    @Option(name: .customLong("wav-out"), help: "Write the decoded 16 kHz mono audio to this WAV file.")
    var wavOut: String?

    @Option(name: .customLong("pcm-out"), help: "Write the decoded audio as raw 16 kHz mono PCM16 LE to this file.")
    var pcmOut: String?

    @Flag(name: .long, help: "Print the statistics as one JSON object.")
    var json = false

    @Option(name: .customLong("loss-mode"), help: "conceal (Opus PLC for lost frames) or drop (as the Omi app).")
    var lossMode: LossMode = .conceal

    @Option(name: .customLong("max-conceal"), help: "Most frames concealed per gap; longer gaps are discontinuities.")
    var maxConceal: Int = 50

    @Flag(name: .long, help: "Add the transcription stage: endpoint and transcribe the decoded audio, print segments.")
    var transcribe = false

    @OptionGroup(title: "Transcription (with --transcribe)") var transcriber: TranscriberOptions

    func validate() throws {
        guard parsedSpeed != nil else {
            throw ValidationError("--speed: '\(speed)' is neither 'max' nor a positive number")
        }
        guard maxConceal >= 0 else { throw ValidationError("--max-conceal: must be 0 or more, got \(maxConceal)") }
    }

    private var parsedSpeed: ReplaySpeed? {
        if speed == "max" { return .max }
        guard let factor = Double(speed), factor > 0, factor.isFinite else { return nil }
        return .factor(factor)
    }

    func run() async throws {
        var warning: String?
        let capture = try Self.loadCapture(file) { warning = $0 }
        if transcribe {
            try await runWithTranscription(capture)
            if let warning { throw CLIFailure(warning) }
            return
        }
        let (report, pcm) = try catching {
            try CaptureReplay.run(
                capture, lossMode: lossMode, maxConcealedFrames: maxConceal, speed: parsedSpeed!,
                collectPCM: wavOut != nil || pcmOut != nil)
        }
        if let wavOut { try catching { try AudioFile.writeWAV(pcm, path: wavOut) } }
        if let pcmOut { try catching { try AudioFile.writeRawPCM(pcm, path: pcmOut) } }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try catching { try encoder.encode(ReplayJSON(file: file, report: report, error: warning)) }
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Self.summary(file: file, codec: capture.codec, report: report))
        }
        if let warning { throw CLIFailure(warning) }
    }

    /// Loads FILE as a capture: an .omicap (a damaged one up to the damage, reported through `damaged`), or an
    /// audio file encoded as a CV1 would send it.
    static func loadCapture(_ file: String, damaged: (String) -> Void = { _ in }) throws(CLIFailure) -> OmiCapture {
        let url = URL(fileURLWithPath: file)
        if ["wav", "pcm", "raw", "s16", "flac", "ogg", "aiff"].contains(url.pathExtension.lowercased()) {
            let (audio, notes) = try catching { try PCMAudio.load(path: file) }
            for note in notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            return try catching { try OmiCapture.encode(audio).capture }
        }
        do {
            return try OmiCapture(contentsOf: url)
        } catch {
            guard let partial = error.partial else { throw CLIFailure(error.description) }
            damaged(error.description)
            FileHandle.standardError.write(Data("omi-bridge: \(error.description); using the intact part\n".utf8))
            return partial
        }
    }

    private func runWithTranscription(_ capture: OmiCapture) async throws {
        let bridge = try self.transcriber.bridgeSettings()
        let settings = bridge.transcriber
        let transcriber = try TranscriberFactory.make(settings)
        let apps = try AppsSession(bridge)
        let json = json
        let result: CaptureTranscription.Result
        do {
            result = try await CaptureTranscription.run(
                capture, transcriber: transcriber, lossMode: lossMode, endpointing: settings.endpointing,
                filter: settings.filter, audioTap: apps?.audioTap
            ) { segment in
                if !json { print(TranscribeCommand.render(segment, json: false)) }
                apps?.submit(segment)
            }
        } catch {
            throw CLIFailure(error.description)
        }
        await apps?.finish()
        for problem in result.problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try catching {
                try encoder.encode(TranscribedReplayJSON(file: file, pipeline: result.pipeline, segments: result.segments))
            }
            print(String(decoding: data, as: UTF8.self))
        } else {
            let r = result.pipeline
            print("replayed \(file): \(r.reassembly.received) notifications, \(r.reassembly.lostNotifications) lost, "
                + "\(String(format: "%.2f", r.decodedSeconds)) s decoded, \(result.segments.count) segments")
        }
    }

    static func summary(file: String, codec: OmiCodec, report: ReplayReport) -> String {
        let r = report.pipeline.reassembly
        let d = report.pipeline.decode
        return """
            replayed \(file): \(codec), MTU \(report.pipeline.mtu)
              notifications \(r.received) received, \(r.duplicates) duplicate, \(r.lostNotifications) lost, \
            \(r.resets) resets, \(r.malformed) malformed, \(r.orphanFragments) orphan fragments
              frames        \(r.frames) reassembled, \(d.decodedFrames) decoded, \(r.lostFrames) lost \
            (\(d.concealedFrames) concealed, \(d.droppedFrames) dropped), \(d.decodeErrors) decode errors
              audio         \(String(format: "%.2f", report.decodedSeconds)) s decoded, \
            \(d.discontinuities) discontinuities
              speed         \(String(format: "%.1f", report.realTimeFactor))x real time \
            (\(String(format: "%.3f", report.wallSeconds)) s wall)
            """
    }
}

/// `replay --transcribe --json`: the pipeline counters and the segments.
struct TranscribedReplayJSON: Encodable {
    var file: String
    var pipeline: PipelineSnapshot
    var segments: [TranscriptSegment]
}

/// The `--json` shape: the report plus which file it is about.
struct ReplayJSON: Encodable {
    var file: String
    var report: ReplayReport
    var error: String?
}

extension LossMode: ExpressibleByArgument {}

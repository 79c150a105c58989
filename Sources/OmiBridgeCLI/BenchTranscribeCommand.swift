import ArgumentParser
import Foundation
import OmiAudio
import Synchronization
import Transcription

/// `omi-bridge bench-transcribe`: a backend's real-time factor, and the stage's own latency from end of speech to
/// segment emitted without recognition time (bench/transcription/run prints both next to a baseline).
struct BenchTranscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-transcribe",
        abstract: "Benchmark: transcribe a file through the pipeline; print real-time factor and latency as JSON.",
        shouldDisplay: false)

    @Argument(help: "An audio file (encoded on the fly as codec 21, MTU 247: one frame per notification).")
    var file: String

    @OptionGroup var transcriber: TranscriberOptions

    @Option(name: .long, help: "Feed speed: max (for the real-time factor) or N × real time (for latency).")
    var speed = "max"

    func run() async throws {
        let settings = try transcriber.settings()
        let backend = try TranscriberFactory.make(settings)
        let capture = try ReplayCommand.loadCapture(file)
        let factor = speed == "max" ? nil : Double(speed)
        if speed != "max", factor == nil || factor! <= 0 { throw CLIFailure("--speed: 'max' or a positive number", exitCode: 2) }
        let replaySpeed = factor.map(ReplaySpeed.factor) ?? .max
        let pipeline: AudioPipeline
        do {
            pipeline = try AudioPipeline(
                configuration: DecoderConfiguration(codec: capture.codec, mtu: capture.mtu), outputPolicy: .waitWhenFull)
        } catch { throw CLIFailure(error.description) }
        let timings = Mutex<[TranscriptionStage.Timing]>([])
        let stage = TranscriptionStage(transcriber: backend, configuration: settings.endpointing, filter: settings.filter) {
            timing in timings.withLock { $0.append(timing) }
        }
        stage.attach(pipeline)
        pipeline.start()
        let pushed = PushLog(capacity: capture.records.count)
        let began = ContinuousClock.now
        CaptureReplay.feed(capture.records, into: pipeline, speed: replaySpeed) { pushed.record($0, .now) }
        var segments = 0
        for await _ in stage.segments { segments += 1 }
        await stage.finish()
        let wall = (ContinuousClock.now - began).seconds
        var problems: [String] = []
        for await problem in stage.problems { problems.append(problem) }

        let snapshot = pipeline.snapshot()
        let all = timings.withLock { $0 }
        let recognition = all.reduce(0.0) { $0 + $1.recognitionStarted.duration(to: $1.recognitionEnded).seconds }
        let speech = Double(all.reduce(0) { $0 + $1.audioSamples }) / 16_000
        // The audio that let the endpointer decide arrived with the notification holding its last sample (one
        // 320-sample frame per notification at this MTU); latency runs from that push.
        let framesPerRecord = Double(snapshot.decode.decodedFrames) / Double(max(1, capture.records.count))
        var latencies: [Double] = []
        var waits: [Double] = []
        if factor != nil, abs(framesPerRecord - 1) < 0.001 {
            var previousEnd: ContinuousClock.Instant?
            for t in all {
                defer { previousEnd = t.recognitionEnded }
                let record = Int((t.decidedAtSample - 1) / 320)
                guard let pushedAt = pushed[min(record, capture.records.count - 1)] else { continue }
                // Time spent waiting for the recognizer to finish the previous utterance is recognition time too.
                let wait = previousEnd.map { max(0, t.decided.duration(to: $0).seconds) } ?? 0
                let recognition = t.recognitionStarted.duration(to: t.recognitionEnded).seconds
                waits.append(wait * 1000)
                latencies.append((pushedAt.duration(to: t.emitted).seconds - recognition - wait) * 1000)
            }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count - 1) * p + 0.5))]
        }
        let result: [String: Any] = [
            "backend": backend.name, "speed": speed, "audio_s": snapshot.decodedSeconds, "wall_s": wall,
            "utterances": all.count, "segments": segments, "speech_s": speech, "recognition_s": recognition,
            "rtf": speech > 0 ? recognition / speech : 0, "pipeline_x_realtime": wall > 0 ? snapshot.decodedSeconds / wall : 0,
            "latency_ms_p50": percentile(0.5), "latency_ms_p90": percentile(0.9), "latency_ms_max": latencies.last ?? 0,
            "latency_samples": latencies.count, "recognizer_wait_ms_max": waits.max() ?? 0, "silence_ms": settings.endpointing.silenceMilliseconds,
            "problems": problems,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// The push time of each notification, written by the producer thread, read after the stage has finished.
    final class PushLog: Sendable {
        private let times: Mutex<[ContinuousClock.Instant?]>
        init(capacity: Int) { times = Mutex([ContinuousClock.Instant?](repeating: nil, count: capacity)) }
        func record(_ index: Int, _ instant: ContinuousClock.Instant) { times.withLock { $0[index] = instant } }
        subscript(index: Int) -> ContinuousClock.Instant? { times.withLock { $0[index] } }
    }
}

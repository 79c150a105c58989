import Foundation
import Metrics
import OmiAudio
import Synchronization
import Transcription

/// `run`'s transcription stage: one `TranscriptionStage` per audio pipeline (the device session keeps one
/// pipeline across reconnects; a codec or MTU change starts another), whose segments are handed, in order, to
/// `onSegment` (the log line and the apps). The decoded audio can also be kept for `--wav-out`, and goes to the
/// apps' `audio_bytes` tap when they want it. Each utterance's real-time factor is recorded as a metric.
final class LiveTranscription: Sendable {
    private let transcriber: any Transcriber
    private let settings: TranscriberSettings
    private let audioTap: (@Sendable (UnsafeBufferPointer<Int16>) -> Void)?
    private let keep: Bool
    private let kept = Mutex<[Int16]>([])
    private let stages = Mutex<[(stage: TranscriptionStage, consumer: Task<Void, Never>)]>([])
    private let onSegment: @Sendable (TranscriptSegment) -> Void
    private let onProblem: @Sendable (String) -> Void
    private let realTimeFactor = Recorder(label: "omi_bridge_transcriber_real_time_factor", aggregate: true)
    private let speechToWebhook = Timer(label: "omi_bridge_speech_end_to_webhook_seconds", preferredDisplayUnit: .seconds)
    /// When the first pipeline started: the stream timeline's zero on the monotonic clock (live audio arrives in real
    /// time and losses keep the timeline aligned, so timeline second t is wall time start + t).
    private let started = Mutex<ContinuousClock.Instant?>(nil)

    init(
        transcriber: any Transcriber, settings: TranscriberSettings, keepAudio: Bool,
        audioTap: (@Sendable (UnsafeBufferPointer<Int16>) -> Void)?,
        onSegment: @escaping @Sendable (TranscriptSegment) -> Void, onProblem: @escaping @Sendable (String) -> Void
    ) {
        self.transcriber = transcriber
        self.settings = settings
        self.keep = keepAudio
        self.audioTap = audioTap
        self.onSegment = onSegment
        self.onProblem = onProblem
    }

    /// The decoded audio so far (with `keepAudio`).
    var samples: [Int16] { kept.withLock { $0 } }

    /// Starts transcribing `pipeline` (the device consumer's `onPipeline`).
    func attach(_ pipeline: AudioPipeline) {
        started.withLock { $0 = $0 ?? .now }
        let apps = audioTap
        let tap: (@Sendable (UnsafeBufferPointer<Int16>) -> Void)?
        if keep {
            tap = { [self] samples in
                kept.withLock { $0.append(contentsOf: samples) }
                apps?(samples)
            }
        } else {
            tap = apps
        }
        let realTimeFactor = realTimeFactor
        let stage = TranscriptionStage(
            transcriber: transcriber, configuration: settings.endpointing, filter: settings.filter,
            timing: { timing in
                let audio = Double(timing.audioSamples) / 16_000
                guard audio > 0 else { return }
                let spent = timing.recognitionStarted.duration(to: timing.recognitionEnded)
                realTimeFactor.record(spent.seconds / audio)
            },
            audioTap: tap)
        stage.attach(pipeline)
        let onSegment = onSegment
        let onProblem = onProblem
        let consumer = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await segment in stage.segments { onSegment(segment) } }
                group.addTask { for await problem in stage.problems { onProblem(problem) } }
            }
        }
        stages.withLock { $0.append((stage, consumer)) }
    }

    /// A `transcript_processed` call was sent `sentAgo` ago with segments ending at timeline second `speechEnd`:
    /// records speech end → webhook sent.
    func webhookSent(speechEnd: Double, sentAgo: Duration) {
        guard let started = started.withLock({ $0 }) else { return }
        let latency = started.duration(to: .now) - sentAgo - .milliseconds(Int64(speechEnd * 1000))
        if latency > .zero { speechToWebhook.record(duration: latency) }
    }

    /// Once the device consumer has finished its pipelines: waits until every utterance is transcribed and handed on.
    func finish() async {
        for (stage, consumer) in stages.withLock({ $0 }) {
            await stage.finish()
            await consumer.value
        }
    }
}

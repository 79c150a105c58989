import Foundation
public import OmiAudio
import Synchronization

/// The stage after audio decoding: drains a pipeline's PCM ring on its own thread, follows its discontinuities so
/// the timeline stays wall-clock aligned, endpoints utterances, and transcribes them one at a time (in order) with
/// the configured transcriber, yielding Omi segments timed from the start of the stream.
public final class TranscriptionStage: Sendable {
    /// Finalized segments, in order.
    public let segments: AsyncStream<TranscriptSegment>
    /// Failures that lost no audio but are worth a log line (a backend down, the fallback used).
    public let problems: AsyncStream<String>
    private let segmentSink: AsyncStream<TranscriptSegment>.Continuation
    private let problemSink: AsyncStream<String>.Continuation
    private let utterances: AsyncStream<(utterance: Utterance, decided: ContinuousClock.Instant)>.Continuation
    private let worker: Task<Void, Never>
    private let configuration: EndpointerConfiguration
    private let silence = Atomic<Int64>(0)
    private let drained = DispatchSemaphore(value: 0)
    private let audioTap: (@Sendable (UnsafeBufferPointer<Int16>) -> Void)?

    /// When one utterance passed each point, on the monotonic clock: what the latency benchmark and metrics read.
    public struct Timing: Sendable {
        /// `Utterance.decidedAt`: the timeline sample whose arrival let the endpointer close the utterance.
        public var decidedAtSample: Int64
        /// When the drain thread got that audio out of the PCM ring and the endpointer closed the utterance.
        public var decided: ContinuousClock.Instant
        public var recognitionStarted: ContinuousClock.Instant
        public var recognitionEnded: ContinuousClock.Instant
        /// When its segments were yielded (or it was found to have none).
        public var emitted: ContinuousClock.Instant
        public var segments: Int
        /// Speech samples given to the transcriber (padding included).
        public var audioSamples: Int

        /// The stage's own latency: decision → emitted, without the time spent in the transcriber.
        public var overhead: Duration { decided.duration(to: emitted) - recognitionStarted.duration(to: recognitionEnded) }
    }

    public init(
        transcriber: any Transcriber, configuration: EndpointerConfiguration = EndpointerConfiguration(),
        filter: HallucinationFilter = HallucinationFilter(), timing: (@Sendable (Timing) -> Void)? = nil,
        audioTap: (@Sendable (UnsafeBufferPointer<Int16>) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.audioTap = audioTap
        (segments, segmentSink) = AsyncStream.makeStream(of: TranscriptSegment.self)
        (problems, problemSink) = AsyncStream.makeStream(of: String.self)
        let (queue, queueSink) = AsyncStream.makeStream(of: (utterance: Utterance, decided: ContinuousClock.Instant).self)
        utterances = queueSink
        let segmentSink = segmentSink
        let problemSink = problemSink
        worker = Task {
            let clock = ContinuousClock()
            for await (utterance, decided) in queue {
                let recognitionStarted = clock.now
                let spans: [RecognizedSpan]
                let provider: String
                do {
                    let result = try await transcriber.transcribeReporting(utterance.audio)
                    (spans, provider) = (result.spans, result.backend)
                    for failure in result.failures { problemSink.yield("transcriber \(failure); used \(provider)") }
                } catch {
                    problemSink.yield(
                        "transcriber \(error) — utterance \(String(format: "%.2f", utterance.startSeconds))–"
                            + "\(String(format: "%.2f", utterance.endSeconds)) s not transcribed")
                    continue
                }
                let recognitionEnded = clock.now
                let segments = Self.segments(spans, utterance, provider: provider, filter: filter)
                for segment in segments { segmentSink.yield(segment) }
                timing?(
                    Timing(
                        decidedAtSample: utterance.decidedAt, decided: decided, recognitionStarted: recognitionStarted,
                        recognitionEnded: recognitionEnded, emitted: clock.now, segments: segments.count,
                        audioSamples: utterance.audio.count))
            }
            segmentSink.finish()
            problemSink.finish()
        }
    }

    /// Timeline samples since the last speech: what the conversation lifecycle's silence timeout watches.
    public var silenceSamples: Int64 { silence.load(ordering: .relaxed) }

    /// Starts draining `pipeline` on a dedicated thread; segments flow until its PCM ring closes.
    public func attach(_ pipeline: AudioPipeline) {
        let thread = Thread { [self] in drain(pipeline) }
        thread.name = "omi-transcription"
        thread.start()
    }

    /// Waits until the attached pipeline has closed and every utterance has been transcribed.
    public func finish() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [drained] in
                drained.wait()
                continuation.resume()
            }
        }
        await worker.value
    }

    private func drain(_ pipeline: AudioPipeline) {
        var endpointer = Endpointer(configuration: configuration)
        var decoded: Int64 = 0
        var pendingBreak: Discontinuity?
        let chunk = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 4096)
        defer { chunk.deallocate() }
        func emit(_ events: [EndpointEvent]) {
            for case .utterance(let u) in events { utterances.yield((u, ContinuousClock.now)) }
            silence.store(endpointer.silenceSamples, ordering: .relaxed)
        }
        while true {
            if pendingBreak == nil { pendingBreak = pipeline.discontinuities.read() }
            // Feed audio only up to the next break, then let time jump by the missing samples.
            let limit = pendingBreak.map { Int(max(0, $0.atSample - decoded)) } ?? chunk.count
            if let b = pendingBreak, limit == 0 {
                emit(endpointer.skip(b.missingSamples))
                pendingBreak = nil
                continue
            }
            let n = pipeline.pcm.read(into: UnsafeMutableBufferPointer(rebasing: chunk[..<min(limit, chunk.count)]))
            if n > 0 {
                decoded += Int64(n)
                audioTap?(UnsafeBufferPointer(rebasing: chunk[..<n]))
                emit(endpointer.feed(UnsafeBufferPointer(rebasing: chunk[..<n])))
            } else if pipeline.pcm.isClosed && pipeline.pcm.count == 0 {
                if let b = pendingBreak ?? pipeline.discontinuities.read() { emit(endpointer.skip(b.missingSamples)) }
                emit(endpointer.flush())
                break
            } else {
                _ = pipeline.pcm.waitForData()
            }
        }
        utterances.finish()
        drained.signal()
    }

    /// Spans → segments on the stream timeline. A span without times covers the utterance's speech.
    static func segments(_ spans: [RecognizedSpan], _ u: Utterance, provider: String, filter: HallucinationFilter)
        -> [TranscriptSegment]
    {
        let audioStart = Double(u.audioStart) / 16_000
        return spans.compactMap { span in
            let text = span.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !filter.rejects(text) else { return nil }
            let start = span.start.map { audioStart + $0 } ?? u.startSeconds
            let end = span.end.map { audioStart + $0 } ?? u.endSeconds
            return TranscriptSegment(
                text: text, speakerID: span.speaker ?? 0, isUser: span.isUser ?? false,
                start: (start * 1000).rounded() / 1000, end: (end * 1000).rounded() / 1000, sttProvider: provider)
        }
    }
}

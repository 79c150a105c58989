public import OmiAudio

/// Runs a capture through the live pipeline and a transcription stage: `omi-bridge transcribe` and
/// `replay --transcribe`.
public enum CaptureTranscription {
    public struct Result: Sendable {
        public var segments: [TranscriptSegment]
        public var problems: [String]
        public var pipeline: PipelineSnapshot
    }

    public static func run(
        _ capture: OmiCapture, transcriber: any Transcriber, lossMode: LossMode = .conceal,
        endpointing: EndpointerConfiguration = EndpointerConfiguration(),
        onSegment: @Sendable (TranscriptSegment) -> Void = { _ in }
    ) async throws(AudioSetupError) -> Result {
        let pipeline = try AudioPipeline(
            configuration: DecoderConfiguration(codec: capture.codec, mtu: capture.mtu, lossMode: lossMode),
            outputPolicy: .waitWhenFull)
        let stage = TranscriptionStage(transcriber: transcriber, configuration: endpointing)
        stage.attach(pipeline)
        pipeline.start()
        let records = capture.records
        // A file producer may wait for ring space; do it off the cooperative threads.
        let producer = Thread {
            for record in records {
                while !pipeline.input.waitForSpace(length: record.bytes.count) {}
                record.bytes.withUnsafeBytes { _ = pipeline.push($0, timestampNanos: record.timestampNanos) }
            }
            pipeline.finishInput()
        }
        producer.start()
        var segments: [TranscriptSegment] = []
        for await segment in stage.segments {
            onSegment(segment)
            segments.append(segment)
        }
        await stage.finish()
        var problems: [String] = []
        for await problem in stage.problems { problems.append(problem) }
        return Result(segments: segments, problems: problems, pipeline: pipeline.snapshot())
    }
}

import Foundation

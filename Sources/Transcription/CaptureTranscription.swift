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
        filter: HallucinationFilter = HallucinationFilter(),
        audioTap: (@Sendable (UnsafeBufferPointer<Int16>) -> Void)? = nil,
        onSegment: @Sendable (TranscriptSegment) -> Void = { _ in }
    ) async throws(AudioSetupError) -> Result {
        let pipeline = try AudioPipeline(
            configuration: DecoderConfiguration(codec: capture.codec, mtu: capture.mtu, lossMode: lossMode),
            outputPolicy: .waitWhenFull)
        let stage = TranscriptionStage(
            transcriber: transcriber, configuration: endpointing, filter: filter, audioTap: audioTap)
        stage.attach(pipeline)
        pipeline.start()
        CaptureReplay.feed(capture.records, into: pipeline)
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

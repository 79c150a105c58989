import Foundation

/// How fast a capture is fed to the pipeline.
public enum ReplaySpeed: Sendable, Equatable, CustomStringConvertible {
    /// As fast as the decoder takes it.
    case max
    /// `factor` × real time, following the capture's timestamps (1 = as recorded).
    case factor(Double)

    public var description: String {
        switch self {
        case .max: "max"
        case .factor(let f): "\(f)x"
        }
    }
}

/// What a replay did, for `omi-bridge replay` and tests.
public struct ReplayReport: Sendable, Codable, Equatable {
    public var notifications: Int
    public var pipeline: PipelineSnapshot
    public var discontinuities: [Discontinuity]
    /// Seconds of 16 kHz audio produced.
    public var decodedSeconds: Double
    /// Wall-clock seconds the replay took.
    public var wallSeconds: Double
    /// Audio seconds decoded per wall-clock second.
    public var realTimeFactor: Double
}

/// Feeds a capture through the same `AudioPipeline` the live BLE client uses: a producer thread pushes the
/// notifications (paced by their timestamps unless `.max`), the decoder thread decodes, and a `PCMCollector`
/// consumes the PCM. File input never drops: the producer waits for ring space and the decoder for the consumer.
public enum CaptureReplay {
    public static func run(
        _ capture: OmiCapture, lossMode: LossMode = .conceal, maxConcealedFrames: Int = 50,
        speed: ReplaySpeed = .max, collectPCM: Bool = true
    ) throws(AudioSetupError) -> (report: ReplayReport, pcm: [Int16]) {
        let configuration = DecoderConfiguration(
            codec: capture.codec, mtu: capture.mtu, lossMode: lossMode, maxConcealedFrames: maxConcealedFrames)
        let pipeline = try AudioPipeline(configuration: configuration, outputPolicy: .waitWhenFull)
        let began = ContinuousClock.now
        let collector = PCMCollector(keep: collectPCM)
        collector.attach(pipeline)
        pipeline.start()
        feed(capture.records, into: pipeline, speed: speed)
        collector.waitUntilDrained()
        pipeline.waitUntilFinished()
        let pcm = collector.samples
        let discontinuities = collector.discontinuities
        let records = capture.records
        let wall = (ContinuousClock.now - began).seconds
        let snapshot = pipeline.snapshot()
        let report = ReplayReport(
            notifications: records.count, pipeline: snapshot, discontinuities: discontinuities,
            decodedSeconds: snapshot.decodedSeconds, wallSeconds: wall,
            realTimeFactor: wall > 0 ? snapshot.decodedSeconds / wall : 0)
        return (report, pcm)
    }
}

extension CaptureReplay {
    /// Pushes `records` into `pipeline` from a new producer thread (paced by their timestamps unless `.max`),
    /// waiting for ring space rather than dropping, then finishes the pipeline's input. `pushed` hears the index of
    /// each record just after it entered the pipeline (the transcription benchmark times latency from there).
    public static func feed(
        _ records: [OmiCapture.Record], into pipeline: AudioPipeline, speed: ReplaySpeed = .max,
        pushed: (@Sendable (Int) -> Void)? = nil
    ) {
        let producer = Thread {
            let began = ContinuousClock.now
            let firstStamp = records.first?.timestampNanos ?? 0
            for (index, record) in records.enumerated() {
                if case .factor(let factor) = speed, factor > 0 {
                    let due = Double(record.timestampNanos - firstStamp) / 1e9 / factor
                    let wait = due - (ContinuousClock.now - began).seconds
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
                while !pipeline.input.waitForSpace(length: record.bytes.count) {}
                record.bytes.withUnsafeBytes { _ = pipeline.push($0, timestampNanos: record.timestampNanos) }
                pushed?(index)
            }
            pipeline.finishInput()
        }
        producer.name = "omi-replay-producer"
        producer.start()
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

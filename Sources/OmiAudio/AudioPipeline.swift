import Foundation
import Synchronization

/// The audio path shared by the live BLE client and `replay`:
///
///     producer thread ──push──▶ NotificationRing ──▶ decoder thread ──▶ SPSCRing<Int16> (PCM) ──▶ consumer
///                                                                   └──▶ SPSCRing<Discontinuity>
///
/// The producer (BLE reader or file reader) calls `push` and returns; the decoder thread reassembles, decodes and
/// conceals; the consumer (transcriber, WAV writer) reads 16 kHz PCM16 from `pcm` and timeline breaks from
/// `discontinuities`. Nothing on this path allocates or locks per notification.
public final class AudioPipeline: Sendable {
    /// What happens when the consumer falls behind and the PCM ring is full.
    public enum OutputPolicy: Sendable {
        /// Drop the decoded chunk and count it (live audio: the device will not wait for us).
        case dropWhenFull
        /// Wait for the consumer (file replay: nothing is lost, the file just plays slower).
        case waitWhenFull
    }

    public let configuration: DecoderConfiguration
    public let input: NotificationRing
    public let pcm: SPSCRing<Int16>
    public let discontinuities: SPSCRing<Discontinuity>
    private let outputPolicy: OutputPolicy
    private let counters = PipelineCounters()
    private let started = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - pcmCapacity: samples the consumer may fall behind by (default about 16 s).
    public init(
        configuration: DecoderConfiguration, outputPolicy: OutputPolicy = .dropWhenFull,
        inputCapacityBytes: Int = 1 << 18, pcmCapacity: Int = 1 << 18
    ) throws(AudioSetupError) {
        // Fail here, on the caller's thread, if the codec cannot be set up; the thread makes its own stage.
        _ = try DecoderStage(configuration: configuration)
        self.configuration = configuration
        self.outputPolicy = outputPolicy
        input = NotificationRing(capacityBytes: inputCapacityBytes)
        pcm = SPSCRing(minimumCapacity: max(pcmCapacity, 8192))
        discontinuities = SPSCRing(minimumCapacity: 1024)
    }

    /// Starts the decoder thread. Call once.
    public func start() {
        precondition(!started.exchange(true, ordering: .relaxed), "AudioPipeline.start() called twice")
        let thread = Thread { [self] in runDecoder() }
        thread.name = "omi-decoder"
        thread.start()
    }

    /// Producer: hands one notification to the decoder thread. Never blocks; false means it was dropped (counted).
    @discardableResult
    public func push(_ notification: UnsafeRawBufferPointer, timestampNanos: UInt64) -> Bool {
        input.push(notification, timestampNanos: timestampNanos)
    }

    /// Producer: no more notifications. The decoder drains, flushes the last frame and closes `pcm`.
    public func finishInput() { input.bytes.close() }

    /// Blocks until the decoder thread has drained its input after `finishInput()`.
    public func waitUntilFinished() { done.wait() }

    /// The counters right now.
    public func snapshot() -> PipelineSnapshot {
        let (reassembly, decode, outputOverflows) = counters.read()
        return PipelineSnapshot(
            codec: configuration.codec.rawValue, mtu: configuration.mtu, reassembly: reassembly, decode: decode,
            inputOverflows: input.overflowCount, outputOverflows: outputOverflows)
    }

    // MARK: Decoder thread

    private func runDecoder() {
        defer {
            pcm.close()
            discontinuities.close()
            done.signal()
        }
        guard var stage = try? DecoderStage(configuration: configuration) else { return }
        let notification = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(UInt16.max), alignment: 16)
        defer { notification.deallocate() }
        var outputOverflows = 0
        let output: (UnsafeBufferPointer<Int16>) -> Void = { [pcm, outputPolicy] samples in
            if outputPolicy == .waitWhenFull {
                while !pcm.waitForSpace(samples.count) {}
            }
            if !pcm.write(samples) { outputOverflows += 1 }
        }
        let discontinuity: (Discontinuity) -> Void = { [discontinuities] event in
            discontinuities.write(event)
        }
        while true {
            if let (length, _) = input.pop(into: notification) {
                stage.ingest(
                    UnsafeRawBufferPointer(rebasing: notification[..<length]), output: output,
                    discontinuity: discontinuity)
                counters.publish(stage.reassembly, stage.counters, outputOverflows: outputOverflows)
            } else if input.bytes.isClosed && input.isEmpty {
                stage.finish(output: output, discontinuity: discontinuity)
                counters.publish(stage.reassembly, stage.counters, outputOverflows: outputOverflows)
                return
            } else {
                _ = input.bytes.waitForData()
            }
        }
    }
}

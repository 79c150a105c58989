public import OmiAudio
import Synchronization

/// Receives one audio notification on the BLE reader thread: must not block, lock or allocate.
public typealias AudioNotificationSink = @Sendable (UnsafeRawBufferPointer, _ timestampNanos: UInt64) -> Void

/// Where audio notifications go.
public protocol NotificationConsumer: Sendable {
    /// A (re)connected stream is about to deliver notifications with these parameters; returns the sink for
    /// them. Called off the hot path, so it may allocate and lock; the sink it returns may not.
    func streamStarted(codec: OmiCodec, mtu: Int) -> AudioNotificationSink
}

/// Feeds the audio pipeline: one `AudioPipeline` per codec/MTU, kept across reconnects so gaps in the packet
/// index are seen, counted and concealed.
public final class PipelineConsumer: NotificationConsumer {
    private let lossMode: LossMode
    private let maxConcealedFrames: Int
    private let current = Mutex<AudioPipeline?>(nil)
    private let onPipeline: @Sendable (AudioPipeline) -> Void

    /// - Parameter onPipeline: called when a pipeline is created, so the owner can start consuming its PCM.
    public init(
        lossMode: LossMode = .conceal, maxConcealedFrames: Int = 50,
        onPipeline: @escaping @Sendable (AudioPipeline) -> Void = { _ in }
    ) {
        self.lossMode = lossMode
        self.maxConcealedFrames = maxConcealedFrames
        self.onPipeline = onPipeline
    }

    public var pipeline: AudioPipeline? { current.withLock { $0 } }

    public func streamStarted(codec: OmiCodec, mtu: Int) -> AudioNotificationSink {
        let configuration = DecoderConfiguration(
            codec: codec, mtu: mtu, lossMode: lossMode, maxConcealedFrames: maxConcealedFrames)
        let (pipeline, created): (AudioPipeline?, Bool) = current.withLock { existing in
            if let existing, existing.configuration == configuration { return (existing, false) }
            existing?.finishInput()
            existing = try? AudioPipeline(configuration: configuration)
            return (existing, true)
        }
        guard let pipeline else { return { _, _ in } }
        if created {
            pipeline.start()
            onPipeline(pipeline)
        }
        // The sink holds the pipeline directly: no lookup, lock or allocation per notification.
        return { bytes, timestamp in pipeline.push(bytes, timestampNanos: timestamp) }
    }

    /// Ends the current pipeline's input (its decoder drains and closes the PCM ring).
    public func finish() { current.withLock { $0?.finishInput() } }
}

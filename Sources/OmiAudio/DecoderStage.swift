/// Reassembly, decoding and loss handling for one stream: notifications in, 16 kHz PCM16 and discontinuities out.
///
/// Runs on the pipeline's decoder thread (or synchronously in tests). Owns preallocated buffers; `ingest`
/// allocates nothing.
public struct DecoderStage: ~Copyable {
    public let configuration: DecoderConfiguration
    private var reassembler: FrameReassembler
    private let decoder: any FrameDecoder
    private let scratch: UnsafeMutableBufferPointer<Int16>
    public private(set) var counters = DecodeCounters()

    public var reassembly: ReassemblyCounters { reassembler.counters }

    public init(configuration: DecoderConfiguration) throws(AudioSetupError) {
        self.configuration = configuration
        reassembler = FrameReassembler(mtu: configuration.mtu)
        decoder = try makeFrameDecoder(for: configuration.codec)
        scratch = .allocate(capacity: decoder.maxOutputSamples)
    }

    deinit { scratch.deallocate() }

    /// Processes one notification; decoded audio goes to `output` (valid during the call), breaks in the
    /// timeline to `discontinuity`.
    public mutating func ingest(
        _ notification: UnsafeRawBufferPointer,
        output: (UnsafeBufferPointer<Int16>) -> Void,
        discontinuity: (Discontinuity) -> Void
    ) {
        var work = Work(
            decoder: decoder, scratch: scratch, configuration: configuration, counters: counters)
        reassembler.ingest(notification) { work.handle($0, output: output, discontinuity: discontinuity) }
        counters = work.counters
    }

    /// Flushes a frame still open at the end of the input.
    public mutating func finish(output: (UnsafeBufferPointer<Int16>) -> Void, discontinuity: (Discontinuity) -> Void)
    {
        var work = Work(
            decoder: decoder, scratch: scratch, configuration: configuration, counters: counters)
        reassembler.finish { work.handle($0, output: output, discontinuity: discontinuity) }
        counters = work.counters
    }

    /// The per-call state the reassembler's callback works on; kept apart from `self`, which is busy being
    /// mutated by `reassembler.ingest` while the callback runs.
    private struct Work {
        let decoder: any FrameDecoder
        let scratch: UnsafeMutableBufferPointer<Int16>
        let configuration: DecoderConfiguration
        var counters: DecodeCounters

        mutating func handle(
            _ event: FrameReassembler.Event,
            output: (UnsafeBufferPointer<Int16>) -> Void,
            discontinuity: (Discontinuity) -> Void
        ) {
            switch event {
            case .frame(let bytes):
                do {
                    let n = try decoder.decode(bytes, into: scratch)
                    counters.decodedFrames += 1
                    emit(n, output)
                } catch {
                    counters.decodeErrors += 1
                    lose(1, output: output, discontinuity: discontinuity)
                }
            case .lost(let count):
                lose(count, output: output, discontinuity: discontinuity)
            case .reset:
                decoder.reset()
                counters.discontinuities += 1
                discontinuity(Discontinuity(atSample: counters.samplesOut, missingSamples: 0, isReset: true))
            }
        }

        private mutating func lose(
            _ count: Int, output: (UnsafeBufferPointer<Int16>) -> Void, discontinuity: (Discontinuity) -> Void
        ) {
            let concealed = configuration.lossMode == .conceal ? min(count, configuration.maxConcealedFrames) : 0
            for _ in 0..<concealed { emit(decoder.conceal(into: scratch), output) }
            counters.concealedFrames += concealed
            let dropped = count - concealed
            guard dropped > 0 else { return }
            counters.droppedFrames += dropped
            counters.discontinuities += 1
            discontinuity(
                Discontinuity(
                    atSample: counters.samplesOut,
                    missingSamples: Int64(dropped * configuration.codec.outputFrameSamples), isReset: false))
        }

        private mutating func emit(_ samples: Int, _ output: (UnsafeBufferPointer<Int16>) -> Void) {
            guard samples > 0 else { return }
            counters.samplesOut += Int64(samples)
            output(UnsafeBufferPointer(rebasing: scratch[..<samples]))
        }
    }
}

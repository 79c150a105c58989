/// How lost frames are handled (omi-contract §2.1, §8).
public enum LossMode: String, CaseIterable, Sendable, Codable {
    /// Opus PLC (silence for PCM codecs) for each lost frame, up to `maxConcealedFrames` per gap; longer gaps
    /// become a marked discontinuity. Keeps the timeline; the bridge default.
    case conceal
    /// Drop lost frames without concealment, as the Omi app does. Every loss is reported as a discontinuity.
    case drop
}

/// Everything the decoder stage needs to know about a stream.
public struct DecoderConfiguration: Sendable, Equatable {
    public var codec: OmiCodec
    /// The negotiated ATT MTU (0 when unknown): fragments shorter than `MTU − 3` end their frame at once.
    public var mtu: Int
    public var lossMode: LossMode
    /// The most frames concealed for one gap: 50 frames of 20 ms is 1 s (contract default).
    public var maxConcealedFrames: Int

    public init(codec: OmiCodec, mtu: Int, lossMode: LossMode = .conceal, maxConcealedFrames: Int = 50) {
        self.codec = codec
        self.mtu = mtu
        self.lossMode = lossMode
        self.maxConcealedFrames = maxConcealedFrames
    }
}

/// A break in the decoded timeline: audio that was lost and not concealed, or a stream reset.
/// Consumers that keep wall-clock time (transcript segment timing) advance their clock by `missingSamples`.
public struct Discontinuity: Equatable, Sendable, BitwiseCopyable, Codable {
    /// Output sample position (16 kHz) at which the break happens.
    public var atSample: Int64
    /// Samples of audio missing at that point; 0 for a reset, whose length is unknown.
    public var missingSamples: Int64
    public var isReset: Bool

    public init(atSample: Int64, missingSamples: Int64, isReset: Bool) {
        self.atSample = atSample
        self.missingSamples = missingSamples
        self.isReset = isReset
    }
}

/// What the decoder stage did, on top of the reassembler's counters.
public struct DecodeCounters: Equatable, Sendable, Codable {
    public var decodedFrames = 0
    public var concealedFrames = 0
    /// Lost frames neither concealed nor decoded (drop mode, or beyond the concealment cap).
    public var droppedFrames = 0
    /// Frames libopus (or the PCM decoder) rejected; each is concealed or dropped like a lost frame.
    public var decodeErrors = 0
    public var discontinuities = 0
    public var samplesOut: Int64 = 0

    public init() {}
}

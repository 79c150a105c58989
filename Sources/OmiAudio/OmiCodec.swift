/// The audio codecs an Omi announces on characteristic `19B10002` (omi-contract §2.2).
public enum OmiCodec: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case pcm16 = 0
    case pcm8 = 1
    case muLaw16 = 10
    case muLaw8 = 11
    /// DevKit Opus: 10 ms frames.
    case opus10ms = 20
    /// CV1 Opus "FS320": 20 ms frames. The Swift and TypeScript SDKs do not know it; the bridge must.
    case opus20ms = 21

    /// The sample rate every decoder stage emits; 8 kHz codecs are upsampled to it.
    public static let outputSampleRate = 16_000

    /// Looks up a codec id read from the device, a capture or the command line.
    public init(id: UInt8) throws(OmiCodecError) {
        guard let codec = OmiCodec(rawValue: id) else { throw OmiCodecError.unknownID(id) }
        self = codec
    }

    /// The codec's own sample rate on the wire.
    public var sampleRate: Int {
        switch self {
        case .pcm8, .muLaw8: 8_000
        case .pcm16, .muLaw16, .opus10ms, .opus20ms: 16_000
        }
    }

    /// Samples per frame at the codec's own rate. For Opus this is the frame size libopus must be given for
    /// packet-loss concealment; for the PCM codecs it is the nominal frame the legacy firmware sends.
    public var frameSamples: Int {
        switch self {
        case .opus20ms: 320
        case .opus10ms, .pcm16, .muLaw16: 160
        case .pcm8, .muLaw8: 80
        }
    }

    /// Samples per frame after conversion to 16 kHz.
    public var outputFrameSamples: Int { frameSamples * Self.outputSampleRate / sampleRate }

    public var isOpus: Bool { self == .opus10ms || self == .opus20ms }

    public var description: String {
        switch self {
        case .pcm16: "pcm16 (id 0)"
        case .pcm8: "pcm8 (id 1)"
        case .muLaw16: "mu-law 16 kHz (id 10)"
        case .muLaw8: "mu-law 8 kHz (id 11)"
        case .opus10ms: "opus 10 ms (id 20)"
        case .opus20ms: "opus 20 ms FS320 (id 21)"
        }
    }
}

public enum OmiCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownID(UInt8)

    public var description: String {
        switch self {
        case .unknownID(let id):
            "unknown Omi codec id \(id); known ids: "
                + OmiCodec.allCases.map { String($0.rawValue) }.joined(separator: ", ")
        }
    }
}

/// The legacy uncompressed codecs: PCM16 LE (ids 0, 1) and G.711 µ-law (ids 10, 11). 8 kHz ids are upsampled to
/// 16 kHz by a streaming libsamplerate converter. Concealment is silence as long as the last frame.
public final class PCMFrameDecoder: FrameDecoder {
    public let codec: OmiCodec
    public let maxOutputSamples: Int
    private let wire: UnsafeMutableBufferPointer<Int16>
    private let upsampler: StreamResampler?
    private var lastOutputSamples: Int

    public init(codec: OmiCodec) throws(AudioSetupError) {
        precondition(!codec.isOpus, "PCMFrameDecoder needs a PCM or µ-law codec, got \(codec)")
        self.codec = codec
        let maxWireSamples = FrameReassembler.maxFrameLength
        wire = .allocate(capacity: maxWireSamples)
        upsampler =
            codec.sampleRate == OmiCodec.outputSampleRate
            ? nil
            : try StreamResampler(
                from: codec.sampleRate, to: OmiCodec.outputSampleRate, maxInputFrames: maxWireSamples)
        maxOutputSamples = maxWireSamples * OmiCodec.outputSampleRate / codec.sampleRate + 64
        lastOutputSamples = codec.outputFrameSamples
    }

    deinit { wire.deallocate() }

    public func decode(_ frame: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>)
        throws(FrameDecodeError) -> Int
    {
        let count: Int
        switch codec {
        case .pcm16, .pcm8:
            guard frame.count % 2 == 0 else {
                throw FrameDecodeError(codec: codec, frameLength: frame.count, reason: "odd byte count for PCM16")
            }
            count = frame.count / 2
            for i in 0..<count {
                wire[i] = Int16(bitPattern: UInt16(frame[2 * i]) | UInt16(frame[2 * i + 1]) << 8)
            }
        default:
            count = frame.count
            for i in 0..<count { wire[i] = MuLaw.decode(frame[i]) }
        }
        let written: Int
        if let upsampler {
            written = upsampler.process(UnsafeBufferPointer(rebasing: wire[..<count]), into: out)
        } else {
            let n = min(count, out.count)
            _ = out.update(fromContentsOf: UnsafeBufferPointer(rebasing: wire[..<n]))
            written = n
        }
        if written > 0 { lastOutputSamples = written }
        return written
    }

    public func conceal(into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        let count = min(out.count, lastOutputSamples)
        out.baseAddress!.update(repeating: 0, count: count)
        return count
    }

    public func reset() { upsampler?.reset() }
}

/// ITU-T G.711 µ-law expansion.
enum MuLaw {
    static func decode(_ byte: UInt8) -> Int16 {
        let u = ~byte
        let exponent = Int32((u >> 4) & 0x07)
        let mantissa = Int32(u & 0x0F)
        let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
        return Int16(u & 0x80 != 0 ? -magnitude : magnitude)
    }

    static func encode(_ sample: Int16) -> UInt8 {
        let bias: Int32 = 0x84
        var value = Int32(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, 32635) + bias
        var exponent: UInt8 = 7
        var mask: Int32 = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = UInt8((value >> (Int32(exponent) + 3)) & 0x0F)
        return ~(sign | exponent << 4 | mantissa)
    }
}

import COpus

/// libopus decoder at 16 kHz mono for codecs 20 and 21. Concealment is libopus PLC with the codec's frame size,
/// which is what keeps CV1's 20 ms timeline right (decoding id 21 as 10 ms frames halves time).
public final class OpusFrameDecoder: FrameDecoder {
    public let codec: OmiCodec
    /// 120 ms, the longest Opus packet, at 16 kHz.
    public let maxOutputSamples = 1920
    private let decoder: OpaquePointer

    public init(codec: OmiCodec) throws(AudioSetupError) {
        precondition(codec.isOpus, "OpusFrameDecoder needs an Opus codec, got \(codec)")
        self.codec = codec
        var error: Int32 = 0
        guard let decoder = opus_decoder_create(Int32(OmiCodec.outputSampleRate), 1, &error), error == OPUS_OK else {
            throw AudioSetupError("libopus: opus_decoder_create failed: \(opusErrorString(error))")
        }
        self.decoder = decoder
    }

    deinit { opus_decoder_destroy(decoder) }

    public func decode(_ frame: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>)
        throws(FrameDecodeError) -> Int
    {
        guard !frame.isEmpty else {
            throw FrameDecodeError(codec: codec, frameLength: 0, reason: "empty frame")
        }
        let samples = opus_decode(
            decoder, frame.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(frame.count), out.baseAddress!,
            Int32(min(out.count, maxOutputSamples)), 0)
        guard samples >= 0 else {
            throw FrameDecodeError(codec: codec, frameLength: frame.count, reason: opusErrorString(samples))
        }
        return Int(samples)
    }

    public func conceal(into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        let samples = opus_decode(decoder, nil, 0, out.baseAddress!, Int32(min(out.count, codec.frameSamples)), 0)
        if samples >= 0 { return Int(samples) }
        // PLC cannot fail for a valid decoder and frame size; keep the timeline with silence if it ever does.
        let count = min(out.count, codec.frameSamples)
        out.baseAddress!.update(repeating: 0, count: count)
        return count
    }

    public func reset() { _ = omi_opus_decoder_reset_state(decoder) }
}

/// libopus's own text for an error code.
func opusErrorString(_ code: Int32) -> String {
    String(cString: opus_strerror(code)) + " (\(code))"
}

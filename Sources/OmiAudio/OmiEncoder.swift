import COpus

/// Encodes 16 kHz PCM the way Omi firmware does, for tests, the simulator and `omi-bridge encode`.
///
/// Opus uses the firmware settings of omi-contract §2.3: RESTRICTED_LOWDELAY (CELT only), 32 kbps VBR without
/// constraint, complexity 3, VOICE, LSB depth 16, no DTX/FEC, `max_data_bytes` 160, raw packets. Frames are 320
/// samples for id 21 and 160 for id 20; a partial last frame is zero-padded. Byte-exact output would need the
/// firmware's libopus 1.2.1 build, so tests compare structure and decoded audio, never bytes. The legacy PCM and
/// µ-law codecs are encoded too, so every decoder can be exercised end to end.
public final class OmiEncoder {
    public static let firmwareBitrate: Int32 = 32_000
    public static let firmwareComplexity: Int32 = 3
    public static let maxDataBytes = 160

    public let codec: OmiCodec
    private let encoder: OpaquePointer?
    private let packet = UnsafeMutablePointer<UInt8>.allocate(capacity: OmiEncoder.maxDataBytes)

    public init(codec: OmiCodec) throws(AudioSetupError) {
        self.codec = codec
        guard codec.isOpus else {
            encoder = nil
            return
        }
        var error: Int32 = 0
        guard
            let encoder = opus_encoder_create(
                Int32(codec.sampleRate), 1, OPUS_APPLICATION_RESTRICTED_LOWDELAY, &error),
            error == OPUS_OK
        else {
            throw AudioSetupError("libopus: opus_encoder_create failed: \(opusErrorString(error))")
        }
        self.encoder = encoder
        let settings: [(String, Int32)] = [
            ("bitrate", omi_opus_encoder_set_bitrate(encoder, Self.firmwareBitrate)),
            ("vbr", omi_opus_encoder_set_vbr(encoder, 1)),
            ("vbr constraint", omi_opus_encoder_set_vbr_constraint(encoder, 0)),
            ("complexity", omi_opus_encoder_set_complexity(encoder, Self.firmwareComplexity)),
            ("signal", omi_opus_encoder_set_signal(encoder, OPUS_SIGNAL_VOICE)),
            ("lsb depth", omi_opus_encoder_set_lsb_depth(encoder, 16)),
            ("dtx", omi_opus_encoder_set_dtx(encoder, 0)),
            ("inband fec", omi_opus_encoder_set_inband_fec(encoder, 0)),
            ("packet loss", omi_opus_encoder_set_packet_loss_perc(encoder, 0)),
        ]
        if let failed = settings.first(where: { $0.1 != OPUS_OK }) {
            throw AudioSetupError("libopus: setting \(failed.0) failed: \(opusErrorString(failed.1))")
        }
    }

    deinit {
        if let encoder { opus_encoder_destroy(encoder) }
        packet.deallocate()
    }

    /// Encodes `samples` (at `codec.sampleRate`) into codec frames, zero-padding the last one.
    public func encode(_ samples: [Int16]) throws(AudioSetupError) -> [[UInt8]] {
        let frameSamples = codec.frameSamples
        var frames: [[UInt8]] = []
        frames.reserveCapacity(samples.count / frameSamples + 1)
        var frame = [Int16](repeating: 0, count: frameSamples)
        var offset = 0
        while offset < samples.count {
            let n = min(frameSamples, samples.count - offset)
            for i in 0..<frameSamples { frame[i] = i < n ? samples[offset + i] : 0 }
            frames.append(try encodeFrame(frame))
            offset += frameSamples
        }
        return frames
    }

    /// Encodes exactly one frame of `codec.frameSamples` samples.
    public func encodeFrame(_ frame: [Int16]) throws(AudioSetupError) -> [UInt8] {
        precondition(frame.count == codec.frameSamples, "a frame is \(codec.frameSamples) samples")
        switch codec {
        case .opus10ms, .opus20ms:
            let bytes = frame.withUnsafeBufferPointer {
                opus_encode(encoder!, $0.baseAddress!, Int32(frame.count), packet, Int32(Self.maxDataBytes))
            }
            guard bytes > 0 else { throw AudioSetupError("libopus: opus_encode failed: \(opusErrorString(bytes))") }
            return Array(UnsafeBufferPointer(start: packet, count: Int(bytes)))
        case .pcm16, .pcm8:
            return frame.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        case .muLaw16, .muLaw8:
            return frame.map(MuLaw.encode)
        }
    }
}

import OmiAudio
import Testing

@Suite("Encode → packetize → reassemble → decode")
struct RoundTripTests {
    static let source = TestAudio.speechLike(seconds: 4)

    @Test(
        "Opus round trip keeps length and SNR ≥ 10 dB",
        arguments: [OmiCodec.opus20ms, .opus10ms], [23, 64, 100, 166, 185, 247, 512, 517])
    func opusRoundTrip(codec: OmiCodec, mtu: Int) throws {
        let encoding = try OmiCapture.encode(PCMAudio(samples: Self.source), codec: codec, mtu: mtu)
        let result = try TestAudio.decode(encoding.capture)

        #expect(abs(result.pcm.count - Self.source.count) <= codec.outputFrameSamples)
        #expect(result.reassembly.frames == encoding.frames)
        #expect(result.reassembly.lostFrames == 0 && result.decode.decodeErrors == 0)
        let snr = TestAudio.snr(reference: Self.source, decoded: result.pcm)
        #expect(snr >= 10, "SNR \(snr) dB at MTU \(mtu)")
        if mtu < 100 {
            // Small MTUs must really fragment, or this would not test reassembly.
            #expect(encoding.notificationsSent > encoding.frames)
        }
    }

    @Test("espeak-ng speech survives codec 21 at MTU 247 and MTU 23 with SNR ≥ 10 dB", arguments: [247, 23])
    func espeakRoundTrip(mtu: Int) throws {
        let speech = try TestAudio.espeak("Can you send me the deck by Friday? I will review it on Monday.")
        #expect(speech.duration > 2)
        let encoding = try OmiCapture.encode(speech, codec: .opus20ms, mtu: mtu)
        let decoded = try TestAudio.decode(encoding.capture).pcm
        #expect(abs(decoded.count - speech.samples.count) <= OmiCodec.opus20ms.outputFrameSamples)
        #expect(TestAudio.snr(reference: speech.samples, decoded: decoded) >= 10)
    }

    @Test("Legacy PCM and µ-law codecs decode to 16 kHz", arguments: [OmiCodec.pcm16, .pcm8, .muLaw16, .muLaw8])
    func legacyRoundTrip(codec: OmiCodec) throws {
        let source = TestAudio.tone(hz: 440, seconds: 1)
        let encoding = try OmiCapture.encode(PCMAudio(samples: source), codec: codec, mtu: 247)
        let decoded = try TestAudio.decode(encoding.capture).pcm
        // 8 kHz codecs pass through a resampler with filter delay; the length stays within a frame or two.
        #expect(abs(decoded.count - source.count) <= 2 * codec.outputFrameSamples)
        let threshold = codec == .pcm16 ? 60.0 : 20.0
        #expect(TestAudio.snr(reference: source, decoded: decoded) >= threshold)
    }

    @Test("The SNR measure itself: aligned copies score high, silence and noise score near 0 dB")
    func snrMeasure() {
        let shifted = [Int16](repeating: 0, count: 40) + Self.source
        #expect(TestAudio.snr(reference: Self.source, decoded: shifted) > 60)
        #expect(abs(TestAudio.snr(reference: Self.source, decoded: [Int16](repeating: 0, count: Self.source.count))) < 0.1)
        let inverted = Self.source.map { $0 == .min ? .max : -$0 }
        #expect(TestAudio.snr(reference: Self.source, decoded: inverted) < 1)
    }

    @Test("Codec ids: 21 is 20 ms frames, 20 is 10 ms; unknown ids are a clear error")
    func codecTable() throws {
        #expect(try OmiCodec(id: 21).frameSamples == 320)
        #expect(try OmiCodec(id: 20).frameSamples == 160)
        #expect(try OmiCodec(id: 1).outputFrameSamples == 160)
        #expect(throws: OmiCodecError.unknownID(7)) { try OmiCodec(id: 7) }
        #expect(OmiCodecError.unknownID(7).description.contains("known ids: 0, 1, 10, 11, 20, 21"))
    }

    @Test("Firmware encoder keeps frames within max_data_bytes and packets within MTU")
    func encoderShape() throws {
        let encoding = try OmiCapture.encode(PCMAudio(samples: Self.source), codec: .opus20ms, mtu: 23)
        #expect(encoding.capture.records.allSatisfy { $0.bytes.count <= 23 })
        let frames = try OmiEncoder(codec: .opus20ms).encode(Self.source)
        #expect(frames.allSatisfy { !$0.isEmpty && $0.count <= OmiEncoder.maxDataBytes })
        #expect(frames.count == (Self.source.count + 319) / 320)
    }
}

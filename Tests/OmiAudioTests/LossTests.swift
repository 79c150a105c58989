import OmiAudio
import Testing

@Suite("Loss handling: conceal vs drop")
struct LossTests {
    static let source = TestAudio.speechLike(seconds: 10, seed: 11)

    /// Frames lost at the very end cannot be detected (no later packet shows the gap), so they are excluded.
    private func detectableLostFrames(_ encoding: CaptureEncoding) -> Int {
        let lastFrame = encoding.frames - 1
        var trailing = 0
        while encoding.damagedFrames.contains(lastFrame - trailing) { trailing += 1 }
        return encoding.damagedFrames.count - trailing
    }

    @Test("5% loss, unfragmented (MTU 247): conceal keeps duration; drop is shorter by exactly the lost frames")
    func fivePercentUnfragmented() throws {
        let encoding = try OmiCapture.encode(
            PCMAudio(samples: Self.source), codec: .opus20ms, mtu: 247, loss: LossInjector(probability: 0.05, seed: 3))
        let frame = OmiCodec.opus20ms.outputFrameSamples
        #expect(encoding.droppedNotifications.count > 10)
        let lost = detectableLostFrames(encoding)
        let trailing = encoding.damagedFrames.count - lost

        let concealed = try TestAudio.decode(encoding.capture, lossMode: .conceal)
        #expect(concealed.reassembly.lostFrames == lost)
        #expect(concealed.decode.concealedFrames == lost)
        #expect(abs(concealed.pcm.count - (Self.source.count - trailing * frame)) <= frame)

        let dropped = try TestAudio.decode(encoding.capture, lossMode: .drop)
        #expect(dropped.pcm.count == (encoding.frames - encoding.damagedFrames.count) * frame)
        #expect(dropped.decode.droppedFrames == lost)
        #expect(dropped.discontinuities.reduce(0) { $0 + $1.missingSamples } == Int64(lost * frame))
    }

    @Test("5% loss, fragmented (MTU 23): concealment keeps the timeline within 2% of the source")
    func fivePercentFragmented() throws {
        let encoding = try OmiCapture.encode(
            PCMAudio(samples: Self.source), codec: .opus20ms, mtu: 23, loss: LossInjector(probability: 0.05, seed: 5))
        let result = try TestAudio.decode(encoding.capture, lossMode: .conceal)
        // Which frames a gap swallowed is an estimate when frames span several notifications.
        let expected = Double(Self.source.count)
        #expect(abs(Double(result.pcm.count) - expected) / expected < 0.02)
        #expect(result.reassembly.lostNotifications == encoding.droppedNotifications.count)
    }

    @Test("Gaps longer than the cap are concealed up to the cap, then marked as a discontinuity")
    func concealmentCap() throws {
        let encoding = try OmiCapture.encode(PCMAudio(samples: Self.source), codec: .opus20ms, mtu: 247)
        var capture = encoding.capture
        capture.records.removeSubrange(100..<180)  // 80 frames = 1.6 s
        let result = try TestAudio.decode(capture, lossMode: .conceal, maxConcealed: 50)
        #expect(result.decode.concealedFrames == 50)
        #expect(result.decode.droppedFrames == 30)
        #expect(result.discontinuities == [Discontinuity(atSample: 150 * 320, missingSamples: 30 * 320, isReset: false)])
        #expect(result.pcm.count == (encoding.frames - 30) * 320)
    }

    @Test("A corrupt Opus frame is counted as a decode error and concealed")
    func corruptFrame() throws {
        var capture = try OmiCapture.encode(PCMAudio(samples: Self.source), codec: .opus20ms, mtu: 247).capture
        // An Opus TOC byte announcing a 48-frame code-3 packet with no payload is invalid.
        capture.records[10].bytes = Array(capture.records[10].bytes.prefix(3)) + [0xFF, 0xFF]
        let result = try TestAudio.decode(capture)
        #expect(result.decode.decodeErrors == 1)
        #expect(result.decode.concealedFrames == 1)
        #expect(result.pcm.count == capture.records.count * 320)
    }
}

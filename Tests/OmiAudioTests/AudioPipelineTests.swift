import OmiAudio
import Testing

@Suite("AudioPipeline (threads and rings)")
struct AudioPipelineTests {
    @Test("The threaded pipeline produces exactly what the decoder stage produces synchronously")
    func matchesSynchronousDecode() throws {
        let audio = PCMAudio(samples: TestAudio.speechLike(seconds: 6))
        let encoding = try OmiCapture.encode(
            audio, codec: .opus20ms, mtu: 64, loss: LossInjector(probability: 0.03, seed: 9), firstIndex: 65_000)
        let reference = try TestAudio.decode(encoding.capture)
        let (report, pcm) = try CaptureReplay.run(encoding.capture)
        #expect(pcm == reference.pcm)
        #expect(report.pipeline.reassembly == reference.reassembly)
        #expect(report.pipeline.decode == reference.decode)
        #expect(report.notifications == encoding.capture.records.count)
        #expect(report.pipeline.inputOverflows == 0 && report.pipeline.outputOverflows == 0)
    }

    @Test("A live producer that outruns the decoder loses notifications only as counted overflow")
    func overflowIsCounted() throws {
        let encoding = try OmiCapture.encode(PCMAudio(samples: TestAudio.speechLike(seconds: 4)), mtu: 247)
        // A tiny input ring and no consumer-side waiting: pushes beyond capacity must be refused and counted.
        let pipeline = try AudioPipeline(
            configuration: DecoderConfiguration(codec: .opus20ms, mtu: 247), inputCapacityBytes: 512)
        var accepted = 0
        for record in encoding.capture.records {
            if record.bytes.withUnsafeBytes({ pipeline.push($0, timestampNanos: 0) }) { accepted += 1 }
        }
        pipeline.start()
        pipeline.finishInput()
        pipeline.waitUntilFinished()
        let snapshot = pipeline.snapshot()
        #expect(snapshot.inputOverflows == encoding.capture.records.count - accepted)
        #expect(snapshot.inputOverflows > 0)
        #expect(snapshot.reassembly.received == accepted)
    }
}

import BridgeTesting
import OmiAudio
import Synchronization
import Testing
import Transcription

/// Answers every utterance with a fixed word, counting calls.
private final class EchoTranscriber: Transcriber {
    let name = "echo"
    let calls = Mutex(0)
    func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        calls.withLock { $0 += 1 }
        return [RecognizedSpan(text: "word")]
    }
}

/// Runs `capture` through the real audio pipeline into a transcription stage; returns the segments.
private func transcribe(_ capture: OmiCapture, with transcriber: any Transcriber) async throws -> [TranscriptSegment] {
    try await CaptureTranscription.run(capture, transcriber: transcriber).segments
}

@Suite("Transcription stage: pipeline → endpointing → transcriber → segments")
struct TranscriptionStageTests {
    @Test("With concealed loss and a gap beyond concealment, segment times stay on the source timeline (±50 ms)")
    func timingAcrossGaps() async throws {
        // 1 s silence, tone A 1.2 s, 1.6 s silence, tone B 1.0 s, 1 s silence: A is 1.0–2.2 s, B is 3.8–4.8 s.
        var source = [Int16](repeating: 0, count: 16_000)
        source += TestSignals.tone(hz: 440, seconds: 1.2, amplitude: 6000)
        source += [Int16](repeating: 0, count: 25_600)
        source += TestSignals.tone(hz: 330, seconds: 1.0, amplitude: 6000)
        source += [Int16](repeating: 0, count: 16_000)
        var capture = try OmiCapture.encode(
            PCMAudio(samples: source), codec: .opus20ms, mtu: 247, loss: LossInjector(probability: 0.03, seed: 8)
        ).capture
        // Remove 1.3 s (65 frames) of the silence between the tones: 50 are concealed, 15 become a timeline break.
        let gapStart = capture.records.firstIndex { $0.timestampNanos >= 2_300_000_000 }!
        capture.records.removeSubrange(gapStart..<(gapStart + 65))
        let transcriber = EchoTranscriber()
        let segments = try await transcribe(capture, with: transcriber)
        #expect(segments.count == 2)
        #expect(transcriber.calls.withLock { $0 } == 2)
        let truth = [(1.0, 2.2), (3.8, 4.8)]
        for (segment, (start, end)) in zip(segments, truth) {
            #expect(abs(segment.start - start) <= 0.05 && abs(segment.end - end) <= 0.05, "\(segment.start)…\(segment.end) vs \(start)…\(end)")
            #expect(segment.speaker == "SPEAKER_0" && segment.sttProvider == "echo" && !segment.isUser)
        }
    }

    @Test("pocketsphinx end to end: espeak-ng speech through Omi packets comes out as text with times")
    func pocketsphinxEndToEnd() async throws {
        let grammar = """
            #JSGF V1.0;
            grammar lights;
            public <command> = (turn on | turn off) the (kitchen | garage) light;
            """
        let recognizer = try PocketSphinxTranscriber(options: .init(grammar: grammar))
        var source = [Int16](repeating: 0, count: 8_000)
        source += try SpeechSynthesizer.speak("turn on the kitchen light", wordsPerMinute: 140).samples
        source += [Int16](repeating: 0, count: 24_000)
        let capture = try OmiCapture.encode(PCMAudio(samples: source), codec: .opus20ms, mtu: 185).capture
        let segments = try await transcribe(capture, with: recognizer)
        #expect(segments.map(\.text) == ["turn on the kitchen light"])
        #expect((segments.first?.start ?? 0) > 0.3 && (segments.first?.end ?? 0) < Double(source.count) / 16_000)
        #expect(segments.first?.sttProvider == "pocketsphinx")
    }

    @Test("A failing backend loses no utterance: the fallback transcribes it and the failure is reported")
    func fallbackInStage() async throws {
        struct Down: Transcriber {
            let name = "openai"
            func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
                throw TranscriberError(backend: name, kind: .unreachable, message: "connection refused")
            }
        }
        var source = [Int16](repeating: 0, count: 8_000) + TestSignals.tone(hz: 440, seconds: 0.8, amplitude: 6000)
        source += [Int16](repeating: 0, count: 16_000)
        let capture = try OmiCapture.encode(PCMAudio(samples: source)).capture
        let result = try await CaptureTranscription.run(capture, transcriber: FallbackTranscriber([Down(), EchoTranscriber()]))
        let segments = result.segments
        let problems = result.problems
        #expect(segments.map(\.sttProvider) == ["echo"])
        #expect(problems == ["transcriber openai: unreachable: connection refused; used echo"])
    }

    @Test("Timing: each utterance reports where it was decided (speech end + the silence threshold) and its stages in order")
    func timingReports() async throws {
        var source = [Int16](repeating: 0, count: 16_000) + TestSignals.tone(hz: 440, seconds: 1.0, amplitude: 6000)
        source += [Int16](repeating: 0, count: 16_000) + TestSignals.tone(hz: 330, seconds: 0.6, amplitude: 6000)
        source += [Int16](repeating: 0, count: 16_000)
        let capture = try OmiCapture.encode(PCMAudio(samples: source), codec: .opus20ms, mtu: 247).capture
        let pipeline = try AudioPipeline(
            configuration: DecoderConfiguration(codec: capture.codec, mtu: capture.mtu), outputPolicy: .waitWhenFull)
        let timings = Mutex<[TranscriptionStage.Timing]>([])
        let stage = TranscriptionStage(transcriber: EchoTranscriber()) { t in timings.withLock { $0.append(t) } }
        stage.attach(pipeline)
        pipeline.start()
        var utteranceEnds: [Double] = []
        CaptureReplay.feed(capture.records, into: pipeline)
        for await segment in stage.segments { utteranceEnds.append(segment.end) }
        await stage.finish()
        let all = timings.withLock { $0 }
        #expect(all.count == 2 && all.map(\.segments) == [1, 1])
        let silence = Int64(EndpointerConfiguration().silenceMilliseconds * 16)
        for (t, end) in zip(all, utteranceEnds) {
            // The segment ends where speech ended; the decision came exactly one silence threshold later.
            #expect(abs(Double(t.decidedAtSample - silence) / 16_000 - end) < 0.001, "\(t.decidedAtSample) vs \(end)")
            #expect(t.decided <= t.recognitionStarted && t.recognitionStarted <= t.recognitionEnded)
            #expect(t.recognitionEnded <= t.emitted && t.overhead >= .zero)
            #expect(t.audioSamples > 0)
        }
    }
}

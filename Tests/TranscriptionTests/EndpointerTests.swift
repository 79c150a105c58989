import BridgeTesting
import OmiAudio
import Testing
import Transcription

/// Builds a signal from parts and remembers where the sound is: the truth the endpointer is judged against.
private struct Scene {
    var samples: [Int16] = []
    var truth: [(start: Int, end: Int)] = []
    var noise: Double = 0
    var random = SplitMix64(seed: 99)

    mutating func silence(_ seconds: Double) {
        for _ in 0..<Int(seconds * 16_000) { samples.append(Int16((random.nextUnitInterval() - 0.5) * 2 * noise)) }
    }

    /// Adds `sound`; its audible span (|x| above 1% of full scale) becomes one truth interval.
    mutating func sound(_ sound: [Int16]) {
        let loud = sound.indices.filter { abs(Int($0 == 0 ? 0 : sound[$0])) > 330 }
        let base = samples.count
        for s in sound {
            samples.append(Int16(clamping: Int(s) + Int((random.nextUnitInterval() - 0.5) * 2 * noise)))
        }
        if let first = loud.first, let last = loud.last { truth.append((base + first, base + last + 1)) }
    }
}

private func utterances(_ events: [EndpointEvent]) -> [Utterance] {
    events.compactMap { if case .utterance(let u) = $0 { u } else { nil } }
}

private func run(_ scene: Scene, _ configuration: EndpointerConfiguration = EndpointerConfiguration()) -> [Utterance] {
    var endpointer = Endpointer(configuration: configuration)
    // Feed in uneven chunks, as the PCM ring delivers them.
    var events: [EndpointEvent] = []
    var offset = 0
    var size = 137
    while offset < scene.samples.count {
        let n = min(size, scene.samples.count - offset)
        events += endpointer.feed(Array(scene.samples[offset..<(offset + n)]))
        offset += n
        size = size * 7 % 1009 + 50
    }
    return utterances(events + endpointer.flush())
}

/// Boundaries within 100 ms (1600 samples) of the truth.
private func close(_ u: Utterance, _ t: (start: Int, end: Int)) -> Bool {
    abs(Int(u.start) - t.start) <= 1600 && abs(Int(u.end) - t.end) <= 1600
}

@Suite("Endpointing on generated audio")
struct EndpointerTests {
    @Test("Tone bursts in silence: one utterance each, boundaries within 100 ms")
    func tones() {
        var scene = Scene()
        scene.silence(0.5)
        scene.sound(TestSignals.tone(hz: 440, seconds: 1.0, amplitude: 6000))
        scene.silence(0.9)
        scene.sound(TestSignals.tone(hz: 300, seconds: 0.7, amplitude: 3000))
        scene.silence(1.0)
        let found = run(scene)
        #expect(found.count == 2)
        for (u, t) in zip(found, scene.truth) { #expect(close(u, t), "\(u.start)…\(u.end) vs \(t)") }
    }

    @Test("espeak-ng sentences with commas stay one utterance each; boundaries within 100 ms")
    func speech() throws {
        var scene = Scene()
        scene.silence(0.4)
        scene.sound(try SpeechSynthesizer.speak("One, two, three, four. Can you send me the deck by Friday?").samples)
        scene.silence(1.2)
        scene.sound(try SpeechSynthesizer.speak("Remember to buy milk on the way home.").samples)
        scene.silence(1.0)
        let found = run(scene)
        #expect(found.count == 2, "\(found.map { ($0.startSeconds, $0.endSeconds) })")
        for (u, t) in zip(found, scene.truth) { #expect(close(u, t), "\(u.start)…\(u.end) vs \(t)") }
        // The audio handed to a recognizer holds the speech plus padding on both sides.
        if let first = found.first {
            #expect(first.audioStart <= first.start - 3000 && first.audio.count >= Int(first.end - first.start))
        }
    }

    @Test("The silence threshold is what keeps phrases whole: at 120 ms the same comma-separated words split")
    func thresholdMatters() throws {
        var scene = Scene()
        scene.silence(0.4)
        scene.sound(try SpeechSynthesizer.speak("One, two, three, four.").samples)
        scene.silence(1.0)
        #expect(run(scene).count == 1)
        var eager = EndpointerConfiguration()
        eager.silenceMilliseconds = 120
        eager.minimumUtteranceMilliseconds = 100
        #expect(run(scene, eager).count >= 3)
    }

    @Test("Steady background noise is not speech; speech over it is found")
    func noise() {
        var scene = Scene()
        scene.noise = 600  // about -35 dBFS of hiss
        scene.silence(1.5)
        scene.sound(TestSignals.speechLike(seconds: 1.5))
        scene.silence(1.5)
        let found = run(scene)
        #expect(found.count == 1)
        if let u = found.first, let t = scene.truth.first { #expect(close(u, t), "\(u.start)…\(u.end) vs \(t)") }

        var quiet = Scene()
        quiet.noise = 600
        quiet.silence(4)
        #expect(run(quiet).isEmpty)
    }

    @Test("Clicks shorter than the minimum utterance are ignored; pauses shorter than the silence threshold do not split")
    func minimumAndPauses() {
        var scene = Scene()
        scene.silence(0.5)
        scene.sound(TestSignals.tone(hz: 1000, seconds: 0.04, amplitude: 8000))
        scene.silence(1.0)
        let burst = TestSignals.tone(hz: 500, seconds: 0.4, amplitude: 5000)
        let start = scene.samples.count
        scene.samples += burst
        scene.samples += [Int16](repeating: 0, count: 16 * 300)  // a 300 ms pause inside one "phrase"
        scene.samples += burst
        let end = scene.samples.count
        scene.silence(1.0)
        let found = run(scene)
        #expect(found.count == 1)
        if let u = found.first { #expect(close(u, (start, end))) }
    }

    @Test("Silence is tracked in timeline samples, and gaps in the audio move time on")
    func silenceAndGaps() {
        var endpointer = Endpointer()
        _ = endpointer.feed([Int16](repeating: 0, count: 16_000))
        _ = endpointer.feed(TestSignals.tone(hz: 440, seconds: 1.0, amplitude: 6000))
        _ = endpointer.feed([Int16](repeating: 0, count: 8_000))
        #expect(endpointer.silenceSamples == 8_000)
        let events = endpointer.skip(32_000)  // 2 s missing: ends the utterance, time advances
        #expect(utterances(events).count == 1)
        #expect(endpointer.position == 16_000 + 16_000 + 8_000 + 32_000)
        #expect(endpointer.silenceSamples == 40_000)
    }
}

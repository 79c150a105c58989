import Foundation
import OmiAudio

/// Deterministic test audio and the aligned SNR measure, shared by the test targets (OmiAudioTests checks the
/// measure itself).
public enum TestSignals {
    /// A speech-like signal: a voiced source whose pitch glides 90–220 Hz, shaped by two moving formant-like
    /// resonances, in 4 Hz syllables, with short noise bursts standing in for fricatives. Deterministic per seed.
    public static func speechLike(seconds: Double, seed: UInt64 = 7, sampleRate: Int = 16_000) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var out = [Int16](repeating: 0, count: count)
        var phase = 0.0
        for i in 0..<count {
            let t = Double(i) / Double(sampleRate)
            let f0 = 155 + 65 * sin(2 * .pi * 0.7 * t) + 10 * sin(2 * .pi * 5.3 * t)
            phase += 2 * .pi * f0 / Double(sampleRate)
            let f1 = 500 + 300 * sin(2 * .pi * 1.3 * t)
            let f2 = 1500 + 600 * sin(2 * .pi * 0.9 * t + 1)
            var voiced = 0.0
            for h in 1...30 {
                let freq = f0 * Double(h)
                if freq > 7000 { break }
                let gain = 1 / (1 + pow((freq - f1) / 150, 2)) + 0.6 / (1 + pow((freq - f2) / 250, 2)) + 0.02
                voiced += gain * sin(Double(h) * phase)
            }
            let syllable = max(0, sin(2 * .pi * 4 * t))
            let fricative = (sin(2 * .pi * 4 * t) < -0.85) ? (random.nextUnitInterval() - 0.5) * 0.6 : 0
            let sample = 0.25 * voiced * syllable + fricative
            out[i] = Int16(clamping: Int((sample * 9000).rounded()))
        }
        return out
    }

    /// A sine tone.
    public static func tone(hz: Double, seconds: Double, amplitude: Double = 8000, sampleRate: Int = 16_000) -> [Int16] {
        (0..<Int(seconds * Double(sampleRate))).map {
            Int16((amplitude * sin(2 * .pi * hz * Double($0) / Double(sampleRate))).rounded())
        }
    }

    /// The decoder's delay against the input, found by cross-correlation over `0...maxLag` samples.
    public static func bestLag(reference: [Int16], decoded: [Int16], maxLag: Int = 480) -> Int {
        let n = min(reference.count, decoded.count) - maxLag
        var best = (lag: 0, score: -Double.infinity)
        for lag in 0...maxLag {
            var score = 0.0
            for i in stride(from: 0, to: n, by: 3) { score += Double(reference[i]) * Double(decoded[i + lag]) }
            if score > best.score { best = (lag, score) }
        }
        return best.lag
    }

    /// Signal-to-noise ratio in dB of `decoded` against `reference`, after aligning for codec delay.
    public static func snr(reference: [Int16], decoded: [Int16]) -> Double {
        let lag = bestLag(reference: reference, decoded: decoded)
        let n = min(reference.count, decoded.count - lag)
        var signal = 0.0
        var noise = 0.0
        for i in 0..<n {
            let r = Double(reference[i])
            let e = r - Double(decoded[i + lag])
            signal += r * r
            noise += e * e
        }
        return 10 * log10(signal / max(noise, 1))
    }

}

import Foundation
import OmiAudio

/// Deterministic test audio and the aligned SNR measure (as in OmiAudioTests, where they are tested).
enum TestSignal {
    static func speechLike(seconds: Double, seed: UInt64 = 7) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * 16_000)
        var out = [Int16](repeating: 0, count: count)
        var phase = 0.0
        for i in 0..<count {
            let t = Double(i) / 16_000
            let f0 = 155 + 65 * sin(2 * .pi * 0.7 * t)
            phase += 2 * .pi * f0 / 16_000
            var voiced = 0.0
            for h in 1...20 where f0 * Double(h) < 7000 {
                voiced += sin(Double(h) * phase) / Double(h)
            }
            let syllable = max(0, sin(2 * .pi * 4 * t))
            let noise = (random.nextUnitInterval() - 0.5) * 0.05
            out[i] = Int16(clamping: Int(((0.5 * voiced * syllable) + noise) * 9000))
        }
        return out
    }

    static func snr(reference: [Int16], decoded: [Int16], maxLag: Int = 480) -> Double {
        let n = min(reference.count, decoded.count) - maxLag
        guard n > 0 else { return -.infinity }
        var best = (lag: 0, score: -Double.infinity)
        for lag in 0...maxLag {
            var score = 0.0
            for i in stride(from: 0, to: n, by: 3) { score += Double(reference[i]) * Double(decoded[i + lag]) }
            if score > best.score { best = (lag, score) }
        }
        var signal = 0.0
        var noise = 0.0
        for i in 0..<n {
            let r = Double(reference[i])
            let e = r - Double(decoded[i + best.lag])
            signal += r * r
            noise += e * e
        }
        return 10 * log10(signal / max(noise, 1))
    }
}

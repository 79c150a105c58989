import BridgeTesting
import Foundation
import OmiAudio
import Testing

/// Signals and measurements shared by the audio tests. Everything is generated here, deterministically.
enum TestAudio {
    /// Speech from espeak-ng (installed by scripts/bootstrap), converted to 16 kHz mono by the audio loader.
    static func espeak(_ text: String) throws -> PCMAudio { try SpeechSynthesizer.speak(text) }

    static func speechLike(seconds: Double, seed: UInt64 = 7) -> [Int16] { TestSignals.speechLike(seconds: seconds, seed: seed) }
    static func tone(hz: Double, seconds: Double, amplitude: Double = 8000) -> [Int16] {
        TestSignals.tone(hz: hz, seconds: seconds, amplitude: amplitude)
    }
    static func snr(reference: [Int16], decoded: [Int16]) -> Double { TestSignals.snr(reference: reference, decoded: decoded) }

    /// Decodes a capture synchronously through a `DecoderStage` (no threads), collecting PCM and discontinuities.
    static func decode(_ capture: OmiCapture, lossMode: LossMode = .conceal, maxConcealed: Int = 50) throws
        -> (pcm: [Int16], discontinuities: [Discontinuity], reassembly: ReassemblyCounters, decode: DecodeCounters)
    {
        var stage = try DecoderStage(
            configuration: DecoderConfiguration(
                codec: capture.codec, mtu: capture.mtu, lossMode: lossMode, maxConcealedFrames: maxConcealed))
        var pcm: [Int16] = []
        var breaks: [Discontinuity] = []
        for record in capture.records {
            record.bytes.withUnsafeBytes { bytes in
                stage.ingest(bytes, output: { pcm.append(contentsOf: $0) }, discontinuity: { breaks.append($0) })
            }
        }
        stage.finish(output: { pcm.append(contentsOf: $0) }, discontinuity: { breaks.append($0) })
        return (pcm, breaks, stage.reassembly, stage.counters)
    }
}

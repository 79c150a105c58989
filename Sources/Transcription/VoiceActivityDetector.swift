import Foundation

/// Frame-level voice activity: energy against an adaptive noise floor, plus zero-crossing rate for unvoiced
/// speech. Written by hand because Debian 12 packages no VAD library (libfvad is not in it); every threshold is in
/// `EndpointerConfiguration`.
///
/// The noise floor is the quietest frame of the last `noiseWindowMilliseconds` ("minimum statistics"): speech has
/// gaps between syllables, so the minimum over a few seconds is the background, whether that is silence or a
/// steady hum; a sound that never pauses for that long becomes background itself.
public struct VoiceActivityDetector: Sendable {
    public let configuration: EndpointerConfiguration
    private var history: [Double]
    private var next = 0
    private var filled = 0

    public init(configuration: EndpointerConfiguration = EndpointerConfiguration()) {
        self.configuration = configuration
        history = [Double](repeating: 0, count: configuration.frames(configuration.noiseWindowMilliseconds))
    }

    /// The current noise floor in dBFS (the absolute floor until a frame has been seen).
    public var noiseFloorDB: Double {
        filled == 0 ? configuration.absoluteFloorDB : max(history[0..<filled].min()!, configuration.absoluteFloorDB - 30)
    }

    /// Classifies one frame (normally `frameMilliseconds` long).
    public mutating func isSpeech(_ frame: UnsafeBufferPointer<Int16>) -> Bool {
        guard !frame.isEmpty else { return false }
        var energy = 0.0
        var crossings = 0
        var previous = frame[0]
        for sample in frame {
            let x = Double(sample)
            energy += x * x
            if (sample >= 0) != (previous >= 0) { crossings += 1 }
            previous = sample
        }
        let db = 20 * log10(max((energy / Double(frame.count)).squareRoot(), 1) / 32768)
        history[next] = db
        next = (next + 1) % history.count
        filled = min(filled + 1, history.count)
        let floor = noiseFloorDB
        let zcr = Double(crossings) / Double(frame.count)
        let c = configuration
        return db > c.absoluteFloorDB
            && (db > floor + c.speechAboveNoiseDB
                || (db > floor + c.fricativeAboveNoiseDB && zcr > c.fricativeZeroCrossingRate))
    }
}

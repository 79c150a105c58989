/// Tuning for voice-activity detection and utterance endpointing. Times are in milliseconds of audio (16 kHz), so
/// behaviour is exact and independent of wall-clock time.
public struct EndpointerConfiguration: Sendable, Equatable {
    /// Analysis frame: 20 ms, one CV1 Opus frame.
    public var frameMilliseconds = 20
    /// A frame is speech when its energy is this far above the tracked noise floor…
    public var speechAboveNoiseDB = 10.0
    /// …or, for unvoiced sounds (s, f, sh), this far above it with a high zero-crossing rate.
    public var fricativeAboveNoiseDB = 5.0
    public var fricativeZeroCrossingRate = 0.25
    /// The noise floor is the quietest frame in this window.
    public var noiseWindowMilliseconds = 3_000
    /// Frames quieter than this (dBFS) are never speech, whatever the noise floor.
    public var absoluteFloorDB = -55.0
    /// Speech must last this long before an utterance starts (rejects clicks).
    public var onsetMilliseconds = 60
    /// Silence that ends an utterance. Pauses between words (100–300 ms) must stay below it.
    public var silenceMilliseconds = 600
    /// Utterances shorter than this (speech span) are dropped.
    public var minimumUtteranceMilliseconds = 250
    /// Audio kept before the detected start and after the end, so recognizers hear whole words.
    public var paddingMilliseconds = 200
    /// Longest utterance; longer speech is cut here so recognition latency stays bounded.
    public var maximumUtteranceMilliseconds = 30_000

    public init() {}

    var frameSamples: Int { 16 * frameMilliseconds }
    func frames(_ milliseconds: Int) -> Int { max(1, (milliseconds + frameMilliseconds - 1) / frameMilliseconds) }
}

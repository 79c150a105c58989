/// Drops what recognizers are known to invent on silence and noise (Whisper's "Thank you for watching", subtitle
/// credits, lone punctuation) and empty results. Matching ignores case and punctuation.
public struct HallucinationFilter: Sendable {
    public var phrases: Set<String>

    public static let knownPhrases: Set<String> = [
        "thank you for watching", "thanks for watching", "thank you", "thank you so much for watching",
        "please subscribe", "subscribe to my channel", "like and subscribe", "you", "bye", "bye bye",
        "subtitles by the amaraorg community", "transcribed by", "music", "applause", "silence", "the end",
    ]

    public init(phrases: Set<String> = HallucinationFilter.knownPhrases) { self.phrases = phrases }

    /// Whether `text` should be dropped.
    public func rejects(_ text: String) -> Bool {
        let normalized = Self.normalize(text)
        return normalized.isEmpty || phrases.contains(normalized)
    }

    static func normalize(_ text: String) -> String {
        text.lowercased().unicodeScalars
            .filter { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == " " }
            .map(String.init).joined()
            .split(separator: " ").joined(separator: " ")
    }
}

import Foundation

/// A finalized transcript segment in the Omi shape (omi-contract §3.2). Encodes with the contract's field names.
public struct TranscriptSegment: Sendable, Equatable, Codable {
    /// UUIDv4, one per recognizer result.
    public var id: String
    public var text: String
    /// `SPEAKER_<n>`.
    public var speaker: String
    public var speakerID: Int
    public var isUser: Bool
    public var personID: String?
    /// Seconds since the conversation started, on the audio timeline (concealed and missing audio count).
    public var start: Double
    public var end: Double
    public var translations: [Translation] = []
    public var speechProfileProcessed = true
    public var sttProvider: String?

    public struct Translation: Sendable, Equatable, Codable {
        public var lang: String
        public var text: String
    }

    public init(
        id: String? = nil, text: String, speakerID: Int = 0, isUser: Bool = false,
        personID: String? = nil, start: Double, end: Double, sttProvider: String? = nil
    ) {
        self.id = id ?? UUID().uuidString.lowercased()
        self.text = text
        self.speaker = "SPEAKER_\(speakerID)"
        self.speakerID = speakerID
        self.isUser = isUser
        self.personID = personID
        self.start = start
        self.end = end
        self.sttProvider = sttProvider
    }

    enum CodingKeys: String, CodingKey {
        case id, text, speaker, start, end, translations
        case speakerID = "speaker_id"
        case isUser = "is_user"
        case personID = "person_id"
        case speechProfileProcessed = "speech_profile_processed"
        case sttProvider = "stt_provider"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(text, forKey: .text)
        try c.encode(speaker, forKey: .speaker)
        try c.encode(speakerID, forKey: .speakerID)
        try c.encode(isUser, forKey: .isUser)
        try c.encode(personID, forKey: .personID)  // null, not absent (contract: string | null)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(translations, forKey: .translations)
        try c.encode(speechProfileProcessed, forKey: .speechProfileProcessed)
        try c.encode(sttProvider, forKey: .sttProvider)
    }
}

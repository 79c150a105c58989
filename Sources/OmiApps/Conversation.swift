public import Foundation
public import Transcription

/// A closed conversation as `memory_creation` sends it (omi-contract §3.3, §9 C): identity and times, the
/// structured summary, and the transcript segments (times in seconds from `startedAt`).
public struct Conversation: Sendable, Equatable {
    public var id: String
    public var createdAt: Date
    public var startedAt: Date
    public var finishedAt: Date
    public var language: String
    public var structured: Structured
    public var segments: [TranscriptSegment]
    public var discarded = false

    /// The structured part (omi-contract §3.3): what the text generator (or the heuristic) made of the transcript.
    public struct Structured: Sendable, Equatable, Codable {
        public var title: String
        public var overview: String
        public var emoji: String
        public var category: String
        public var actionItems: [ActionItem]
        public var events: [Event]

        public init(
            title: String, overview: String, emoji: String, category: String, actionItems: [ActionItem] = [],
            events: [Event] = []
        ) {
            self.title = title
            self.overview = overview
            self.emoji = emoji
            self.category = category
            self.actionItems = actionItems
            self.events = events
        }

        enum CodingKeys: String, CodingKey {
            case title, overview, emoji, category, events
            case actionItems = "action_items"
        }
    }

    public struct ActionItem: Sendable, Equatable, Codable {
        public var description: String
        public var completed = false
        public init(description: String, completed: Bool = false) {
            self.description = description
            self.completed = completed
        }
    }

    /// A calendar event the conversation mentioned.
    public struct Event: Sendable, Equatable, Codable {
        public var title: String
        public var description: String
        public var start: String
        public var duration: Int
        public var created = false
    }

    public init(
        id: String = UUID().uuidString.lowercased(), createdAt: Date, startedAt: Date, finishedAt: Date,
        language: String = "en", structured: Structured, segments: [TranscriptSegment]
    ) {
        self.id = id
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.language = language
        self.structured = structured
        self.segments = segments
    }

    /// The `memory_creation` body: the whole conversation, compact JSON, ISO 8601 times as Python's
    /// `isoformat()` writes them (`2025-05-02T10:17:05.120000+00:00`, no fraction when it is zero).
    public var webhookBody: [UInt8] {
        WebhookPayloads.encode(
            Body(
                id: id, created_at: Self.isoformat(createdAt), started_at: Self.isoformat(startedAt),
                finished_at: Self.isoformat(finishedAt), language: language, structured: structured,
                transcript_segments: segments, discarded: discarded))
    }

    /// Python's `datetime.isoformat()` for a UTC datetime.
    public static func isoformat(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = seconds.rounded(.down)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        if micros == 1_000_000 {
            whole += 1
            micros = 0
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        let base = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        return base + (micros == 0 ? "" : String(format: ".%06d", micros)) + "+00:00"
    }

    private struct Body: Encodable {
        var id: String
        var created_at: String
        var started_at: String
        var finished_at: String
        var language: String
        var source = "omi"
        var structured: Structured
        var transcript_segments: [TranscriptSegment]
        var discarded: Bool
        var photos: [String] = []
        var geolocation: String? = nil
        var apps_results: [String] = []
        var plugins_results: [String] = []
        var external_data: String? = nil
        var visibility = "private"
        var starred = false
        var status = "completed"
        var folder_id: String? = nil

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(id, forKey: .id)
            try c.encode(created_at, forKey: .created_at)
            try c.encode(started_at, forKey: .started_at)
            try c.encode(finished_at, forKey: .finished_at)
            try c.encode(language, forKey: .language)
            try c.encode(source, forKey: .source)
            try c.encode(structured, forKey: .structured)
            try c.encode(transcript_segments, forKey: .transcript_segments)
            try c.encode(discarded, forKey: .discarded)
            try c.encode(photos, forKey: .photos)
            try c.encode(geolocation, forKey: .geolocation)  // null, not absent
            try c.encode(apps_results, forKey: .apps_results)
            try c.encode(plugins_results, forKey: .plugins_results)
            try c.encode(external_data, forKey: .external_data)
            try c.encode(visibility, forKey: .visibility)
            try c.encode(starred, forKey: .starred)
            try c.encode(status, forKey: .status)
            try c.encode(folder_id, forKey: .folder_id)
        }

        enum Keys: String, CodingKey {
            case id, created_at, started_at, finished_at, language, source, structured, transcript_segments, discarded
            case photos, geolocation, apps_results, plugins_results, external_data, visibility, starred, status, folder_id
        }
    }
}

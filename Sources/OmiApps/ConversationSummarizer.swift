import Foundation
public import Transcription

/// Builds a conversation's structured part with the configured text generator: it is asked for a JSON object
/// (title, overview, emoji, category, action_items); when there is no generator, it fails, or its answer is not
/// that JSON (the offline `preview` generator's never is), the heuristic summary is used instead.
public struct ConversationSummarizer: Sendable {
    public let generator: (any TextGenerator)?

    public init(generator: (any TextGenerator)? = nil) { self.generator = generator }

    public func summarize(_ segments: [TranscriptSegment]) async -> Conversation.Structured {
        guard let generator, let answer = try? await generator.generate(prompt: Self.prompt(segments)),
            let structured = Self.parse(answer)
        else { return HeuristicSummarizer.summarize(segments) }
        return structured
    }

    static func prompt(_ segments: [TranscriptSegment]) -> String {
        let transcript = segments.map { "\($0.speaker): \($0.text)" }.joined(separator: "\n")
        return """
            Summarize this conversation as one JSON object with the keys "title" (at most 8 words), "overview" \
            (one or two sentences), "emoji" (one emoji), "category" (one word such as work, personal, health, \
            travel, family, finance, other) and "action_items" (a list of short imperative strings, possibly empty). \
            Answer with the JSON object only.

            \(transcript)
            """
    }

    /// The JSON object in `answer` (a model may wrap it in prose or a code fence), or nil.
    static func parse(_ answer: String) -> Conversation.Structured? {
        guard let open = answer.firstIndex(of: "{"), let close = answer.lastIndex(of: "}"), open < close,
            let object = (try? JSONSerialization.jsonObject(with: Data(answer[open...close].utf8))) as? [String: Any],
            let title = object["title"] as? String, !title.isEmpty
        else { return nil }
        let items = (object["action_items"] as? [Any] ?? []).compactMap { item -> Conversation.ActionItem? in
            if let text = item as? String { return .init(description: text) }
            return ((item as? [String: Any])?["description"] as? String).map { .init(description: $0) }
        }
        return Conversation.Structured(
            title: title, overview: object["overview"] as? String ?? "", emoji: object["emoji"] as? String ?? "💬",
            category: (object["category"] as? String)?.lowercased() ?? "other", actionItems: items)
    }
}

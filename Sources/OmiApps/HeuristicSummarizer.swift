import Foundation
public import Transcription

/// The structured part of a conversation without a language model: the fallback when no text generator is
/// configured or it fails. Title from the first sentence, overview from the first two, category and emoji from
/// keywords, action items from request and commitment phrases ("can you", "remind me", "I'll", "we need to").
public enum HeuristicSummarizer {
    static let categories: [(name: String, emoji: String, words: Set<String>)] = [
        ("work", "💼", ["deck", "meeting", "project", "deadline", "client", "budget", "slides", "review", "build", "quarterly", "office", "report"]),
        ("health", "🩺", ["doctor", "dentist", "gym", "medicine", "appointment", "sleep", "workout", "health"]),
        ("travel", "🧳", ["train", "flight", "airport", "hotel", "trip", "ticket", "station"]),
        ("family", "👪", ["mom", "dad", "kids", "family", "brother", "sister", "birthday", "dinner"]),
        ("finance", "💰", ["invoice", "bank", "payment", "tax", "money", "price", "salary"]),
    ]

    static let actionPhrases = [
        "can you", "could you", "please", "remind me", "i will", "i'll", "we should", "we need to", "i need to",
        "need to", "let's", "let us", "don't forget", "make sure",
    ]

    public static func summarize(_ segments: [TranscriptSegment]) -> Conversation.Structured {
        let text = segments.map(\.text).joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
        let sentences = Self.sentences(text)
        let words = Set(text.lowercased().split { !$0.isLetter && $0 != "'" }.map(String.init))
        let category = categories.max { a, b in a.words.intersection(words).count < b.words.intersection(words).count }
            .flatMap { $0.words.intersection(words).isEmpty ? nil : $0 }
        let titleWords = (sentences.first ?? text).split(separator: " ").prefix(8).joined(separator: " ")
        let title = titleWords.trimmingCharacters(in: CharacterSet.punctuationCharacters.union(.whitespaces))
        let actions = sentences.filter { sentence in
            let lower = sentence.lowercased()
            return actionPhrases.contains { lower.hasPrefix($0) || lower.contains(" " + $0) }
        }
        return Conversation.Structured(
            title: title.isEmpty ? "Conversation" : title.prefix(1).uppercased() + title.dropFirst(),
            overview: String(sentences.prefix(2).joined(separator: " ").prefix(300)),
            emoji: category?.emoji ?? "💬", category: category?.name ?? "other",
            actionItems: actions.map { Conversation.ActionItem(description: $0) })
    }

    /// Sentences: split after . ! ? (kept), trimmed, empty ones dropped.
    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if ".!?".contains(character) {
                let sentence = current.trimmingCharacters(in: .whitespaces)
                if !sentence.isEmpty { out.append(sentence) }
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { out.append(rest) }
        return out
    }
}

import Foundation

/// One server message of Deepgram's streaming `/v1/listen` protocol, as far as the transcriber cares.
enum DeepgramMessage: Equatable {
    /// A `Results` message. Times are seconds from the start of the stream (all audio sent on the connection).
    struct Results: Equatable {
        struct Word: Equatable {
            var text: String
            var start: Double
            var end: Double
            var speaker: Int?
        }

        var isFinal: Bool
        var speechFinal: Bool
        var fromFinalize: Bool
        /// Start and duration of the audio this result covers.
        var start: Double
        var duration: Double
        var transcript: String
        var words: [Word]

        var end: Double { start + duration }
    }

    case results(Results)
    /// `{"type":"Error", "description": …}`: Deepgram reports a failure and will close the stream.
    case error(String)
    /// Metadata, SpeechStarted, UtteranceEnd and any type added later: nothing to do.
    case other(String)

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    init(parsing text: String) throws(Malformed) {
        guard let data = text.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { throw Malformed(description: "not a JSON object: \(Self.snippet(text))") }
        guard let type = object["type"] as? String else {
            throw Malformed(description: "message has no \"type\": \(Self.snippet(text))")
        }
        switch type {
        case "Results":
            guard let channel = object["channel"] as? [String: Any],
                let alternatives = channel["alternatives"] as? [[String: Any]]
            else { throw Malformed(description: "Results without channel.alternatives: \(Self.snippet(text))") }
            let best = alternatives.first ?? [:]
            var words: [Results.Word] = []
            for word in best["words"] as? [[String: Any]] ?? [] {
                guard let start = Self.number(word["start"]), let end = Self.number(word["end"]),
                    let text = word["punctuated_word"] as? String ?? word["word"] as? String
                else { throw Malformed(description: "a word without start, end or text: \(Self.snippet(text))") }
                words.append(
                    Results.Word(
                        text: text, start: start, end: end, speaker: Self.number(word["speaker"]).map { Int($0) }))
            }
            self = .results(
                Results(
                    isFinal: object["is_final"] as? Bool ?? false,
                    speechFinal: object["speech_final"] as? Bool ?? false,
                    fromFinalize: object["from_finalize"] as? Bool ?? false, start: Self.number(object["start"]) ?? 0,
                    duration: Self.number(object["duration"]) ?? 0, transcript: best["transcript"] as? String ?? "",
                    words: words))
        case "Error":
            let parts = ["description", "message", "variant", "err_msg"].compactMap { object[$0] as? String }
            self = .error(parts.isEmpty ? Self.snippet(text) : parts.joined(separator: " — "))
        default:
            self = .other(type)
        }
    }

    private static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    static func snippet(_ text: String) -> String { String(text.prefix(200)).replacingOccurrences(of: "\n", with: " ") }
}

extension DeepgramMessage.Results {
    /// Spans from the final results of one utterance: consecutive words of one speaker form a span (text from the
    /// punctuated words), a result without words falls back to its transcript, and times are rebased by `offset`
    /// (where the utterance began in the stream). Empty transcripts give no span.
    static func spans(_ results: [Self], offset: Double) -> [RecognizedSpan] {
        var spans: [RecognizedSpan] = []
        var group: [Word] = []
        func rebase(_ t: Double) -> Double { max(0, t - offset) }
        func flush() {
            guard let first = group.first, let last = group.last else { return }
            let text = group.map(\.text).filter { !$0.isEmpty }.joined(separator: " ")
            if !text.isEmpty {
                spans.append(
                    RecognizedSpan(
                        text: text, start: rebase(first.start), end: rebase(last.end), speaker: first.speaker))
            }
            group = []
        }
        for result in results {
            if result.words.isEmpty {
                flush()
                let text = result.transcript.trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty {
                    spans.append(RecognizedSpan(text: text, start: rebase(result.start), end: rebase(result.end)))
                }
                continue
            }
            for word in result.words {
                if let previous = group.last, previous.speaker != word.speaker { flush() }
                group.append(word)
            }
        }
        flush()
        return spans
    }
}

/// Turns free text from users and apps into an FTS5 query that can never be a syntax error: every word becomes a
/// quoted string, so FTS5 operators (`AND`, `OR`, `NOT`, `NEAR`), prefixes (`*`), column filters (`title:`), `^`,
/// `-`, parentheses and quotes lose their meaning.
///
/// A word is a run of letters and digits; everything else separates words and is dropped (emoji included). The
/// question's words and the filter terms are alternatives (`OR`), ranked by the caller with bm25. A filter term of
/// several words ("San Francisco") is one phrase.
struct FullTextQuery: Equatable {
    /// The FTS5 MATCH expression, or nil when there is no word to search for.
    let expression: String?

    /// At most this many alternatives, so a pasted essay cannot make a query SQLite struggles with.
    static let maximumAlternatives = 64

    init(question: String?, terms: [String]) {
        var alternatives: [String] = []
        var seen: Set<String> = []
        func add(_ words: [String]) {
            guard !words.isEmpty else { return }
            let phrase = "\"" + words.joined(separator: " ") + "\""
            if alternatives.count < Self.maximumAlternatives, seen.insert(phrase).inserted {
                alternatives.append(phrase)
            }
        }
        for word in Self.words(in: question ?? "") {
            add([word])
        }
        for term in terms {
            add(Self.words(in: term))
        }
        expression = alternatives.isEmpty ? nil : alternatives.joined(separator: " OR ")
    }

    /// The lowercased runs of letters and digits in `text`. None contains a double quote, so quoting one is safe.
    static func words(in text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber) }.compactMap { word in
            // A grapheme cluster is classified by its first scalar; drop any quote hiding later in one.
            let scalars = word.lowercased().unicodeScalars.filter { $0 != "\"" }
            return scalars.isEmpty ? nil : String(String.UnicodeScalarView(scalars))
        }
    }
}

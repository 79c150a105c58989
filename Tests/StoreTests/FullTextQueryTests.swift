import Testing

@testable import Store

@Suite("Full-text query building")
struct FullTextQueryTests {
    @Test("Each word is quoted and the words are alternatives")
    func quotesWords() {
        let query = FullTextQuery(question: "Where's the Budget?", terms: [])
        #expect(query.expression == #""where" OR "s" OR "the" OR "budget""#)
    }

    @Test("A term of several words is one phrase, and duplicates are dropped")
    func termsArePhrases() {
        let query = FullTextQuery(question: "maria", terms: ["San Francisco", "Maria", ""])
        #expect(query.expression == #""maria" OR "san francisco""#)
    }

    @Test("FTS5 syntax is stripped: operators become plain words, punctuation disappears")
    func stripsSyntax() {
        let query = FullTextQuery(question: #"NEAR(a* "b") -c ^d e:f AND"#, terms: [])
        #expect(query.expression == #""near" OR "a" OR "b" OR "c" OR "d" OR "e" OR "f" OR "and""#)
    }

    @Test("No words means no expression")
    func noWords() {
        #expect(FullTextQuery(question: nil, terms: []).expression == nil)
        #expect(FullTextQuery(question: "🎉 -- \"\" *", terms: ["()"]).expression == nil)
    }

    @Test("The number of alternatives is capped")
    func capped() {
        let question = (0..<500).map { "w\($0)" }.joined(separator: " ")
        let expression = FullTextQuery(question: question, terms: []).expression ?? ""
        #expect(expression.components(separatedBy: " OR ").count == FullTextQuery.maximumAlternatives)
    }
}

/// The `notification` object of an app's webhook response, asking for a proactive notification
/// (omi-contract §4):
///
/// ```
/// {"prompt": str, "params": [scope…], "context": {"question": str, "filters": {"people": [], "topics": [], "entities": [], "dates": []}}}
/// ```
///
/// Decoding is tolerant, as upstream's `data.get(…, default)` is: a missing or mistyped field takes its default
/// (`""`, `[]`, no context). `isEmpty` is true only for an object with no keys at all (`{}`), which is what
/// upstream's `not data` refuses in step 1; `{"prompt": ""}` is not empty.
public struct ProactiveRequest: Sendable, Equatable, Decodable {
    /// The `context.filters` of a `user_context` search.
    public struct Filters: Sendable, Equatable, Codable {
        public var people: [String]
        public var topics: [String]
        public var entities: [String]
        public var dates: [String]

        private enum CodingKeys: String, CodingKey { case people, topics, entities, dates }

        public init(people: [String] = [], topics: [String] = [], entities: [String] = [], dates: [String] = []) {
            self.people = people
            self.topics = topics
            self.entities = entities
            self.dates = dates
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            people = Self.strings(c, .people)
            topics = Self.strings(c, .topics)
            entities = Self.strings(c, .entities)
            dates = Self.strings(c, .dates)
        }

        private static func strings(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> [String] {
            ((try? c.decodeIfPresent([String].self, forKey: key)) ?? nil) ?? []
        }
    }

    /// The prompt template, with `{{user_name}}`-style placeholders.
    public var prompt: String
    /// The scopes the app asks to have filled in.
    public var params: [String]
    /// `context.question`: what to search past conversations for (`user_context`); nil if absent.
    public var question: String?
    /// `context.filters`.
    public var filters: Filters
    /// True for `{}` (omi-contract §4 step 1).
    public var isEmpty: Bool

    public init(
        prompt: String, params: [String] = [], question: String? = nil, filters: Filters = Filters(),
        isEmpty: Bool = false
    ) {
        self.prompt = prompt
        self.params = params
        self.question = question
        self.filters = filters
        self.isEmpty = isEmpty
    }

    private enum CodingKeys: String, CodingKey { case prompt, params, context }
    private enum ContextKeys: String, CodingKey { case question, filters }

    /// Counts every key of the object, known or not, for `isEmpty`.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        isEmpty = try decoder.container(keyedBy: AnyKey.self).allKeys.isEmpty
        let c = try decoder.container(keyedBy: CodingKeys.self)
        prompt = ((try? c.decodeIfPresent(String.self, forKey: .prompt)) ?? nil) ?? ""
        params = ((try? c.decodeIfPresent([String].self, forKey: .params)) ?? nil) ?? []
        if let context = try? c.nestedContainer(keyedBy: ContextKeys.self, forKey: .context) {
            question = (try? context.decodeIfPresent(String.self, forKey: .question)) ?? nil
            filters = ((try? context.decodeIfPresent(Filters.self, forKey: .filters)) ?? nil) ?? Filters()
        } else {
            question = nil
            filters = Filters()
        }
    }
}

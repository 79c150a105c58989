/// Where the values of a proactive prompt's scopes come from (omi-contract §4 step 6). The real
/// implementation reads the Store; tests use an in-memory one.
///
/// The processor asks only for the scopes that survived filtering (step 5), so a method is not called for an
/// app that did not declare its scope.
public protocol ProactiveContext: Sendable {
    /// `user_name`: the user's display name.
    func userName(userID: String) async -> String
    /// `user_facts`: known facts as text: learned ones, then user-entered ones, each block introduced by a
    /// line naming the user; locked facts excluded; at most 1000.
    func factsText(userID: String) async -> String
    /// `user_context`: unlocked past conversations matching `question` (a zero vector if nil) and `filters`,
    /// rendered as text; `""` if none match.
    func conversationContext(userID: String, question: String?, filters: ProactiveRequest.Filters) async -> String
    /// `user_chat`: the last 10 messages between the user and app `appID`, oldest first; `""` if none.
    func chatText(userID: String, appID: String) async -> String
}

/// A fixed `ProactiveContext`: for tests, demos and `omi-bridge explain` dry runs.
public struct StaticProactiveContext: ProactiveContext {
    public var name: String
    public var facts: String
    public var context: String
    public var chat: String

    public init(name: String = "", facts: String = "", context: String = "", chat: String = "") {
        self.name = name
        self.facts = facts
        self.context = context
        self.chat = chat
    }

    public func userName(userID: String) async -> String { name }
    public func factsText(userID: String) async -> String { facts }
    public func conversationContext(userID: String, question: String?, filters: ProactiveRequest.Filters) async
        -> String
    { context }
    public func chatText(userID: String, appID: String) async -> String { chat }
}

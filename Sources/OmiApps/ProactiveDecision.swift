public import Foundation

/// Everything `ProactiveProcessor` decided about one `notification` object, for delivery and for
/// `omi-bridge explain` (stored as JSON). omi-contract §4.
public struct ProactiveDecision: Sendable, Equatable, Codable {
    /// How processing ended, one case per step that can stop it.
    public enum Outcome: Sendable, Equatable, Codable {
        /// Step 10: deliver `title` / `body`; the limiter has counted it.
        case sent
        /// Step 1: the app lacks the `proactive_notification` capability.
        case noCapability
        /// Step 1: the object was `{}`.
        case empty
        /// Step 2: this (user, app) sent less than 30 s ago; allowed again at `retryAt`.
        case rateLimited(retryAt: Date)
        /// Step 3: the user's daily budget is spent.
        case dailyCapReached
        /// Step 4: deliver the `Prompt too long…` message in `title` / `body`; not counted.
        case promptTooLong
        /// Step 9: the model's output was empty or shorter than 5 characters; nothing sent.
        case outputTooShort
        /// Step 8: the model failed; nothing sent.
        case generatorFailed(String)

        /// A stable short name for logs, the decisions table and `omi-bridge explain`.
        public var name: String {
            switch self {
            case .sent: "sent"
            case .noCapability: "no_capability"
            case .empty: "empty"
            case .rateLimited: "rate_limited"
            case .dailyCapReached: "daily_cap_reached"
            case .promptTooLong: "prompt_too_long"
            case .outputTooShort: "output_too_short"
            case .generatorFailed: "generator_failed"
            }
        }
    }

    public var appID: String
    public var userID: String
    /// When processing ran.
    public var at: Date
    public var outcome: Outcome
    /// The prompt's length in Unicode scalars (upstream's `len`), before substitution.
    public var promptLength: Int
    /// Step 5: the requested params the app declared, in request order.
    public var filteredScopes: [String]
    /// Requested params the app did not declare; their placeholders stay literal.
    public var ignoredParams: [String]
    /// Step 6: the value filled in per scope.
    public var filledValues: [String: String]
    /// Step 7: the prompt as sent to the model; nil when processing stopped earlier.
    public var renderedPrompt: String?
    /// Step 8: the model's raw output; nil when it was not called or failed.
    public var generatorOutput: String?
    /// The notification to deliver (`sent`, `promptTooLong`); nil otherwise.
    public var title: String?
    public var body: String?

    public init(
        appID: String, userID: String, at: Date, outcome: Outcome, promptLength: Int = 0,
        filteredScopes: [String] = [], ignoredParams: [String] = [], filledValues: [String: String] = [:],
        renderedPrompt: String? = nil, generatorOutput: String? = nil, title: String? = nil, body: String? = nil
    ) {
        self.appID = appID
        self.userID = userID
        self.at = at
        self.outcome = outcome
        self.promptLength = promptLength
        self.filteredScopes = filteredScopes
        self.ignoredParams = ignoredParams
        self.filledValues = filledValues
        self.renderedPrompt = renderedPrompt
        self.generatorOutput = generatorOutput
        self.title = title
        self.body = body
    }

    /// Whether the owner has a notification to deliver.
    public var shouldDeliver: Bool { title != nil && body != nil }
}

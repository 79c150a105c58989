public import Foundation
import Synchronization

/// Turns an app's `notification` object into a notification, or a recorded reason not to, running the steps
/// of upstream's `_process_proactive_notification` in order (omi-contract §4):
///
/// 1. capability and a non-empty object → 2. rate limit (30 s per user and app) → 3. daily cap →
/// 4. prompt longer than 128,000 characters: deliver `Prompt too long: <N>/128000 characters. Please shorten.`
/// and stop → 5. keep the requested params the app declared → 6. fill their values from `ProactiveContext` →
/// 7. replace `{{scope}}` literally for those scopes only, remove every four-space run (`stripFourSpaces`,
/// omi-contract §8) and trim → 8. the `TextGenerator` → 9. drop output shorter than 5 characters →
/// 10. deliver with title `"<app name> says"` and count it.
///
/// The processor does no delivery itself: the owner delivers `title`/`body` of the returned decision and
/// stores the text as a chat message from the app. The limiter is updated only on `sent`, re-checked under
/// its lock at that moment so two concurrent responses of one app cannot both be sent. Lengths count Unicode
/// scalars, as Python's `len` does.
public final class ProactiveProcessor: Sendable {
    /// What the processor needs to know about an app.
    public struct App: Sendable, Equatable {
        public var id: String
        public var name: String
        /// The app's declared `proactive_notification.scopes`.
        public var scopes: [String]
        /// Whether the app has the `proactive_notification` capability.
        public var hasCapability: Bool

        public init(id: String, name: String, scopes: [String], hasCapability: Bool = true) {
            self.id = id
            self.name = name
            self.scopes = scopes
            self.hasCapability = hasCapability
        }
    }

    /// Step 4's limit.
    public static let maxPromptLength = 128_000
    /// Step 9's minimum output length.
    public static let minOutputLength = 5
    /// The scopes step 7 knows how to fill.
    public static let knownScopes = ["user_name", "user_facts", "user_context", "user_chat"]

    private let context: any ProactiveContext
    private let generator: any TextGenerator
    private let stripFourSpaces: Bool
    private let limiter: Mutex<ProactiveLimiter>

    public init(
        context: any ProactiveContext, generator: any TextGenerator = PreviewTextGenerator(),
        limiter: ProactiveLimiter, stripFourSpaces: Bool = true
    ) {
        self.context = context
        self.generator = generator
        self.stripFourSpaces = stripFourSpaces
        self.limiter = Mutex(limiter)
    }

    /// A copy of the limiter's current state.
    public var limiterState: ProactiveLimiter { limiter.withLock { $0 } }

    /// The notification title for an app (omi-contract §4 step 10).
    public static func title(appName: String) -> String { "\(appName) says" }

    /// Runs steps 1–10 for `request` from `app` to `userID` at `now`. `capExempt` skips the daily cap.
    public func process(
        app: App, request: ProactiveRequest, userID: String, now: Date, capExempt: Bool = false
    ) async -> ProactiveDecision {
        var decision = ProactiveDecision(
            appID: app.id, userID: userID, at: now, outcome: .noCapability,
            promptLength: request.prompt.unicodeScalars.count)
        // 1
        guard app.hasCapability else { return decision }
        guard !request.isEmpty else { return with(decision, .empty) }
        // 2, 3
        switch limiter.withLock({ $0.check(user: userID, app: app.id, now: now, capExempt: capExempt) }) {
        case .allowed: break
        case .rateLimited(let retryAt): return with(decision, .rateLimited(retryAt: retryAt))
        case .dailyCapReached: return with(decision, .dailyCapReached)
        }
        // 4
        if decision.promptLength > Self.maxPromptLength {
            decision.outcome = .promptTooLong
            decision.title = Self.title(appName: app.name)
            decision.body =
                "Prompt too long: \(decision.promptLength)/\(Self.maxPromptLength) characters. Please shorten."
            return decision
        }
        // 5
        decision.filteredScopes = request.params.filter { app.scopes.contains($0) }
        decision.ignoredParams = request.params.filter { !app.scopes.contains($0) }
        // 6, 7
        var prompt = request.prompt
        for scope in decision.filteredScopes where Self.knownScopes.contains(scope) {
            let value: String
            if let filled = decision.filledValues[scope] {
                value = filled
            } else {
                value = await self.value(of: scope, request: request, userID: userID, appID: app.id)
                decision.filledValues[scope] = value
            }
            prompt = prompt.replacingOccurrences(of: "{{\(scope)}}", with: value)
        }
        if stripFourSpaces { prompt = prompt.replacingOccurrences(of: "    ", with: "") }
        prompt = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        decision.renderedPrompt = prompt
        // 8
        let output: String
        do {
            output = try await generator.generate(prompt: prompt)
        } catch {
            return with(decision, .generatorFailed(String(describing: error)))
        }
        decision.generatorOutput = output
        // 9
        guard output.unicodeScalars.count >= Self.minOutputLength else { return with(decision, .outputTooShort) }
        // 10: re-check and count atomically, so a concurrent send of the same app is not doubled.
        let verdict = limiter.withLock { limiter in
            let verdict = limiter.check(user: userID, app: app.id, now: now, capExempt: capExempt)
            if verdict == .allowed { limiter.recordSent(user: userID, app: app.id, now: now) }
            return verdict
        }
        switch verdict {
        case .allowed: break
        case .rateLimited(let retryAt): return with(decision, .rateLimited(retryAt: retryAt))
        case .dailyCapReached: return with(decision, .dailyCapReached)
        }
        decision.outcome = .sent
        decision.title = Self.title(appName: app.name)
        decision.body = output
        return decision
    }

    private func value(of scope: String, request: ProactiveRequest, userID: String, appID: String) async -> String {
        switch scope {
        case "user_name": await context.userName(userID: userID)
        case "user_facts": await context.factsText(userID: userID)
        case "user_context":
            await context.conversationContext(userID: userID, question: request.question, filters: request.filters)
        case "user_chat": await context.chatText(userID: userID, appID: appID)
        default: ""
        }
    }

    private func with(_ decision: ProactiveDecision, _ outcome: ProactiveDecision.Outcome) -> ProactiveDecision {
        var copy = decision
        copy.outcome = outcome
        return copy
    }
}

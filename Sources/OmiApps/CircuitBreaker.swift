public import Foundation

/// The per-destination circuit breaker of the webhook client (omi-contract §3.1).
///
/// After 5 consecutive failures (a non-200 status or an exception) it opens for 30 s; then it lets exactly one
/// half-open probe through. A successful probe closes it; a failed one re-opens it for another 30 s. Any success
/// resets it, whatever the state (a call let through before the breaker opened may still succeed).
///
/// A pure value: the caller passes `now`, asks `shouldAllow(now:)` before each call and must `record` the
/// outcome of every call it was allowed to make, or a half-open breaker stays waiting for its probe.
/// `CircuitBreakerRegistry` holds one per `key(for:)`.
public struct CircuitBreaker: Sendable, Equatable, Codable {
    /// Where the breaker stands.
    public enum State: Sendable, Equatable, Codable {
        /// Calls pass; `failures` consecutive failures so far.
        case closed(failures: Int)
        /// Calls are refused until `until`.
        case open(until: Date)
        /// The one probe has been let through and its outcome is awaited; other calls are refused.
        case halfOpen
    }

    /// Consecutive failures that open the breaker (omi-contract §3.1: 5).
    public let failureThreshold: Int
    /// How long an open breaker refuses calls (omi-contract §3.1: 30 s).
    public let openDuration: TimeInterval
    /// The current state.
    public private(set) var state: State = .closed(failures: 0)

    public init(failureThreshold: Int = 5, openDuration: TimeInterval = 30) {
        precondition(failureThreshold >= 1, "failureThreshold must be at least 1")
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// Whether a call may be made now. When an open breaker's time is up this moves it to half-open and returns
    /// `true` once: that call is the probe.
    public mutating func shouldAllow(now: Date) -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen
            return true
        case .halfOpen:
            return false
        }
    }

    /// Records the outcome of a call that was allowed.
    public mutating func record(success: Bool, now: Date) {
        if success {
            state = .closed(failures: 0)
            return
        }
        switch state {
        case .closed(let failures):
            let count = failures + 1
            state =
                count >= failureThreshold
                ? .open(until: now.addingTimeInterval(openDuration)) : .closed(failures: count)
        case .open:
            // A call let through before the breaker opened failed late: the window is not extended.
            break
        case .halfOpen:
            state = .open(until: now.addingTimeInterval(openDuration))
        }
    }

    /// The breaker key of a webhook URL: the URL without its query or fragment (omi-contract §3.1), so
    /// `https://a.example/hook?uid=1` and `…?uid=2` share one breaker.
    public static func key(for url: String) -> String {
        guard let cut = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
        return String(url[..<cut])
    }
}

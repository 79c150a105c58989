public import Foundation
import Synchronization

/// One `CircuitBreaker` per destination, keyed by `CircuitBreaker.key(for:)` (omi-contract §3.1), safe to share
/// between the concurrent webhook calls of a process.
///
/// Breakers are created closed on first use. Every method takes the full URL and derives the key, so callers
/// cannot key by the query by mistake.
public final class CircuitBreakerRegistry: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let failureThreshold: Int
    private let openDuration: TimeInterval
    private let metrics: WebhookMetrics

    /// `metrics`: where each breaker's state is published (`omi_bridge_circuit_breaker_state{host}`) when it moves.
    public init(failureThreshold: Int = 5, openDuration: TimeInterval = 30, metrics: WebhookMetrics = WebhookMetrics()) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
        self.metrics = metrics
    }

    /// Whether a call to `url` may be made now (see `CircuitBreaker.shouldAllow(now:)`).
    public func shouldAllow(url: String, now: Date) -> Bool {
        update(url) { $0.shouldAllow(now: now) }
    }

    /// Records the outcome of an allowed call to `url`.
    public func record(url: String, success: Bool, now: Date) {
        update(url) { $0.record(success: success, now: now) }
    }

    /// The state of the breaker for `url`'s key (`.closed(failures: 0)` if it was never used).
    public func state(for url: String) -> CircuitBreaker.State {
        breakers.withLock { $0[CircuitBreaker.key(for: url)]?.state ?? .closed(failures: 0) }
    }

    /// Every breaker that is not closed with zero failures, by key: for status reports and `explain`.
    public func snapshot() -> [String: CircuitBreaker.State] {
        breakers.withLock { all in
            all.compactMapValues { $0.state == .closed(failures: 0) ? nil : $0.state }
        }
    }

    private static func kind(_ state: CircuitBreaker.State) -> Int {
        switch state {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
    }

    private func update<T>(_ url: String, _ body: (inout CircuitBreaker) -> T) -> T {
        let key = CircuitBreaker.key(for: url)
        let (result, moved) = breakers.withLock { all in
            var breaker = all[key] ?? CircuitBreaker(failureThreshold: failureThreshold, openDuration: openDuration)
            let before = breaker.state
            let result = body(&breaker)
            all[key] = breaker
            return (result, Self.kind(before) != Self.kind(breaker.state) ? breaker.state : nil)
        }
        // Outside the lock: the backend takes its own. Only moves between closed, half-open and open are published.
        if let moved { metrics.breaker(url: url, state: moved) }
        return result
    }
}

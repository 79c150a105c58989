import Foundation
import OmiApps
import OmiAudio
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    /// Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example) is 784111777 (`date -u -d '1994-11-06 08:49:37' +%s`).
    static let exampleDate = Date(timeIntervalSince1970: 784_111_777)
    static let now = exampleDate.addingTimeInterval(-120)
    static let exact = RetryPolicy(jitter: .none)

    static func decide(
        _ policy: RetryPolicy = exact, status: Int?, retryAfter: String? = nil, attempt: Int = 1
    ) -> RetryDecision {
        var g = SplitMix64(seed: 1)
        return policy.decision(status: status, retryAfter: retryAfter, attempt: attempt, now: now, using: &g)
    }

    @Test("200 is delivered, on any attempt")
    func delivered() {
        #expect(Self.decide(status: 200) == .deliver)
        #expect(Self.decide(status: 200, attempt: 12) == .deliver)
    }

    @Test(
        "other 2xx, 1xx and 3xx are neither success (omi-contract §3.1: exactly 200) nor retried",
        arguments: [100, 201, 202, 204, 301, 304])
    func unexpected(status: Int) {
        #expect(Self.decide(status: status) == .giveUp(.unexpectedStatus(status: status)))
    }

    @Test("4xx other than 408, 425, 429 are final", arguments: [400, 401, 403, 404, 409, 410, 413, 422, 499])
    func clientErrors(status: Int) {
        #expect(Self.decide(status: status) == .giveUp(.clientError(status: status)))
    }

    @Test(
        "408, 425, 429, every 5xx and network errors are retried", arguments: [408, 425, 429, 500, 502, 503, 504, 599])
    func retryable(status: Int) {
        #expect(Self.decide(status: status) == .retry(at: Self.now.addingTimeInterval(1)))
        #expect(Self.decide(status: nil) == .retry(at: Self.now.addingTimeInterval(1)))
    }

    @Test("backoff doubles from 1 s and is capped at 5 min")
    func backoff() {
        let delays = (1...12).map { Self.exact.backoff(afterAttempt: $0) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        #expect(Self.decide(status: 503, attempt: 4) == .retry(at: Self.now.addingTimeInterval(8)))
        #expect(RetryPolicy().backoff(afterAttempt: 10_000) == 300)
    }

    @Test("the 12th failed attempt is dead-lettered; the 11th is still retried")
    func exhaustion() {
        #expect(Self.decide(status: 500, attempt: 11) == .retry(at: Self.now.addingTimeInterval(300)))
        #expect(Self.decide(status: 500, attempt: 12) == .giveUp(.attemptsExhausted(attempts: 12, lastStatus: 500)))
        #expect(Self.decide(status: nil, attempt: 12) == .giveUp(.attemptsExhausted(attempts: 12, lastStatus: nil)))
        let three = RetryPolicy(maxAttempts: 3, jitter: .none)
        #expect(
            Self.decide(three, status: 429, attempt: 3) == .giveUp(.attemptsExhausted(attempts: 3, lastStatus: 429)))
    }

    @Test("full jitter stays in [0, backoff], equal jitter in [backoff/2, backoff], and a seed reproduces them")
    func jitter() {
        for (policy, floor) in [(RetryPolicy(jitter: .full), 0.0), (RetryPolicy(jitter: .equal), 0.5)] {
            var g = SplitMix64(seed: 42)
            var again = SplitMix64(seed: 42)
            var seen = Set<Double>()
            for attempt in 1...11 {
                let ceiling = policy.backoff(afterAttempt: attempt)
                for _ in 0..<50 {
                    let d = policy.delay(afterAttempt: attempt, using: &g)
                    #expect(d >= ceiling * floor && d <= ceiling)
                    #expect(d == policy.delay(afterAttempt: attempt, using: &again))
                    seen.insert(d)
                }
            }
            #expect(seen.count > 500)  // actually random, not a constant
        }
    }

    @Test("Retry-After in seconds replaces the backoff, exactly and without jitter")
    func retryAfterSeconds() {
        let jittered = RetryPolicy()
        #expect(Self.decide(jittered, status: 429, retryAfter: "120") == .retry(at: Self.now.addingTimeInterval(120)))
        #expect(Self.decide(jittered, status: 503, retryAfter: " 0 ") == .retry(at: Self.now))
    }

    @Test("Retry-After as an HTTP-date in all three RFC 9110 forms")
    func retryAfterDate() {
        let target = RetryDecision.retry(at: Self.exampleDate)
        #expect(Self.decide(status: 503, retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT") == target)
        #expect(Self.decide(status: 503, retryAfter: "Sunday, 06-Nov-94 08:49:37 GMT") == target)
        #expect(Self.decide(status: 503, retryAfter: "Sun Nov  6 08:49:37 1994") == target)
    }

    @Test("a Retry-After date in the past means now; a huge one is clamped to maxRetryAfter")
    func retryAfterClamp() {
        #expect(Self.decide(status: 429, retryAfter: "Sat, 05 Nov 1994 08:49:37 GMT") == .retry(at: Self.now))
        #expect(Self.decide(status: 429, retryAfter: "86400") == .retry(at: Self.now.addingTimeInterval(3600)))
    }

    @Test("an unparseable Retry-After falls back to the backoff", arguments: ["soon", "-5", "1.5", "", "Sun, 99 Foo"])
    func retryAfterGarbage(value: String) {
        #expect(Self.decide(status: 503, retryAfter: value, attempt: 2) == .retry(at: Self.now.addingTimeInterval(2)))
    }

    @Test("Retry-After does not rescue a final status or exhausted attempts")
    func retryAfterNotOverriding() {
        #expect(Self.decide(status: 400, retryAfter: "5") == .giveUp(.clientError(status: 400)))
        #expect(
            Self.decide(status: 429, retryAfter: "5", attempt: 12)
                == .giveUp(.attemptsExhausted(attempts: 12, lastStatus: 429)))
    }
}

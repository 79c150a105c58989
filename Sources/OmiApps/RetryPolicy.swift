public import Foundation

/// What to do after one delivery attempt of a webhook.
public enum RetryDecision: Sendable, Equatable, Codable {
    /// Delivered: the app answered exactly 200 (omi-contract §3.1).
    case deliver
    /// Try again at this time.
    case retry(at: Date)
    /// Stop; the delivery goes to the dead-letter list with this reason.
    case giveUp(RetryGiveUpReason)
}

/// Why a delivery is not retried.
public enum RetryGiveUpReason: Sendable, Equatable, Codable, CustomStringConvertible {
    /// A 4xx other than 408, 425 and 429: the request itself is at fault, sending it again cannot help.
    case clientError(status: Int)
    /// A status that is neither 200 nor retryable (1xx, a 2xx other than 200, 3xx): the app answered, but not
    /// as the contract asks; sending again would repeat a request it may have processed.
    case unexpectedStatus(status: Int)
    /// `maxAttempts` attempts failed; `lastStatus` is nil when the last one was a network error.
    case attemptsExhausted(attempts: Int, lastStatus: Int?)

    public var description: String {
        switch self {
        case .clientError(let status): "HTTP \(status) is final (client error)"
        case .unexpectedStatus(let status): "HTTP \(status) is neither 200 nor retryable"
        case .attemptsExhausted(let attempts, let last):
            "gave up after \(attempts) attempts (last: \(last.map { "HTTP \($0)" } ?? "network error"))"
        }
    }
}

/// Retries for webhook deliveries: capped exponential backoff with jitter on 408, 425, 429, 5xx and network
/// errors, honouring `Retry-After`; other 4xx are final.
///
/// Upstream makes no retries (omi-contract §3.1); the bridge adds them as an outbox on top, without changing
/// what counts as success (status exactly 200) or what the circuit breaker sees. The policy is pure: the caller
/// passes the attempt number, `now` and the random generator, so tests are exact.
public struct RetryPolicy: Sendable, Equatable {
    /// How the backoff delay is randomised.
    public enum Jitter: Sendable, Equatable {
        /// The exact exponential delay.
        case none
        /// Uniform in `[0, delay]` ("full jitter"): spreads a burst of failures best.
        case full
        /// Half the delay plus uniform in `[0, delay/2]`: never retries sooner than half the delay.
        case equal
    }

    /// The delay after the first failed attempt (1 s).
    public var baseDelay: TimeInterval
    /// Growth per attempt (2).
    public var factor: Double
    /// The largest backoff delay (5 min).
    public var maxDelay: TimeInterval
    /// Attempts in all, the first included (12); after the last failed one the delivery is dead-lettered.
    public var maxAttempts: Int
    /// The largest `Retry-After` honoured (1 h); longer requests are clamped to it.
    public var maxRetryAfter: TimeInterval
    public var jitter: Jitter

    public init(
        baseDelay: TimeInterval = 1, factor: Double = 2, maxDelay: TimeInterval = 300, maxAttempts: Int = 12,
        maxRetryAfter: TimeInterval = 3600, jitter: Jitter = .full
    ) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.baseDelay = baseDelay
        self.factor = factor
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.maxRetryAfter = maxRetryAfter
        self.jitter = jitter
    }

    /// Whether a status is worth retrying: 408, 425, 429 and every 5xx.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 425 || status == 429 || (500...599).contains(status)
    }

    /// The decision after attempt number `attempt` (1 = the first) ended with `status`, or with a network
    /// error / timeout when `status` is nil. `retryAfter` is the response's `Retry-After` header, if any.
    public func decision(
        status: Int?, retryAfter: String?, attempt: Int, now: Date, using generator: inout some RandomNumberGenerator
    ) -> RetryDecision {
        if let status {
            if status == 200 { return .deliver }
            if (400...499).contains(status), !Self.isRetryable(status: status) {
                return .giveUp(.clientError(status: status))
            }
            if !Self.isRetryable(status: status) { return .giveUp(.unexpectedStatus(status: status)) }
        }
        guard attempt < maxAttempts else { return .giveUp(.attemptsExhausted(attempts: attempt, lastStatus: status)) }
        if status != nil, let header = retryAfter, let wait = Self.retryAfterDelay(header, now: now) {
            return .retry(at: now.addingTimeInterval(min(wait, maxRetryAfter)))
        }
        return .retry(at: now.addingTimeInterval(delay(afterAttempt: attempt, using: &generator)))
    }

    /// `decision` with the system random generator.
    public func decision(status: Int?, retryAfter: String?, attempt: Int, now: Date) -> RetryDecision {
        var generator = SystemRandomNumberGenerator()
        return decision(status: status, retryAfter: retryAfter, attempt: attempt, now: now, using: &generator)
    }

    /// The un-jittered backoff after attempt `attempt`: `baseDelay × factor^(attempt−1)`, at most `maxDelay`.
    public func backoff(afterAttempt attempt: Int) -> TimeInterval {
        let exponent = Double(max(0, attempt - 1))
        let raw = baseDelay * pow(factor, exponent)
        return raw.isFinite ? min(raw, maxDelay) : maxDelay
    }

    /// The jittered backoff after attempt `attempt`.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> TimeInterval {
        let ceiling = backoff(afterAttempt: attempt)
        switch jitter {
        case .none: return ceiling
        case .full: return ceiling * unit(&generator)
        case .equal: return ceiling / 2 + ceiling / 2 * unit(&generator)
        }
    }

    /// The wait a `Retry-After` value asks for: delay-seconds (a non-negative integer) or an HTTP-date
    /// (IMF-fixdate, RFC 850 or asctime, RFC 9110 §10.2.3); a date in the past means now (0). Nil when the
    /// value is neither.
    public static func retryAfterDelay(_ value: String, now: Date) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return TimeInterval(trimmed) ?? nil
        }
        guard let date = httpDate(trimmed, now: now) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// Parses an HTTP-date in any of the three RFC 9110 forms; `now` places two-digit RFC 850 years.
    public static func httpDate(_ value: String, now: Date) -> Date? {
        let formats = [
            "EEE, dd MMM yyyy HH:mm:ss 'GMT'",  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            "EEEE, dd-MMM-yy HH:mm:ss 'GMT'",  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            "EEE MMM d HH:mm:ss yyyy",  // asctime: Sun Nov  6 08:49:37 1994
        ]
        // asctime pads single-digit days with a space; collapse runs of spaces so "d" matches.
        let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            // Two-digit RFC 850 years: RFC 9110 says a year more than 50 years ahead is in the past century.
            formatter.twoDigitStartDate = now.addingTimeInterval(-50 * 365.25 * 86400)
            if let date = formatter.date(from: collapsed) { return date }
        }
        return nil
    }

    private func unit(_ generator: inout some RandomNumberGenerator) -> Double {
        Double(generator.next() >> 11) * 0x1.0p-53
    }
}

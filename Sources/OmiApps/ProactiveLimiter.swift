public import Foundation

/// The two send limits of proactive notifications (omi-contract §4 steps 2, 3 and 10), as a pure value with
/// an explicit `now`.
///
/// - Rate limit: one notification per 30 s per (user, app). Refused while `now − lastSent < 30 s`, so exactly
///   30 s later is allowed (upstream: `time.time() - sent_at < 30`).
/// - Daily cap: one budget per user shared by all proactive sources, per UTC day; default 9, 1…1000.
///
/// Both are counted only by `recordSent`, which the owner calls after a notification actually went out: a
/// refused, too-long or too-short one leaves no trace. Unlike upstream's in-memory cache (keyed by the app
/// object, omi-contract §8) there is one correct entry per (user, app).
public struct ProactiveLimiter: Sendable, Equatable {
    /// A daily cap outside 1…1000.
    public struct InvalidDailyCap: Error, Sendable, Equatable, CustomStringConvertible {
        public let value: Int
        public init(value: Int) { self.value = value }
        public var description: String { "proactive daily cap \(value) is outside 1…1000" }
    }

    /// What `check` found.
    public enum Verdict: Sendable, Equatable {
        case allowed
        /// The (user, app) pair sent less than `rateLimit` ago; allowed again at `retryAt`.
        case rateLimited(retryAt: Date)
        /// The user's budget for this UTC day is spent.
        case dailyCapReached
    }

    /// The allowed daily caps.
    public static let dailyCapRange = 1...1000
    /// Per-user notifications per UTC day.
    public let dailyCap: Int
    /// Seconds between two notifications of one (user, app).
    public let rateLimit: TimeInterval

    private struct Pair: Hashable, Sendable { let user: String, app: String }
    private var lastSent: [Pair: Date] = [:]
    private var sentToday: [String: (day: Int, count: Int)] = [:]

    public init(dailyCap: Int = 9, rateLimit: TimeInterval = 30) throws(InvalidDailyCap) {
        guard Self.dailyCapRange.contains(dailyCap) else { throw InvalidDailyCap(value: dailyCap) }
        self.dailyCap = dailyCap
        self.rateLimit = rateLimit
    }

    /// The UTC day number of `date` (days since 1970-01-01 UTC).
    public static func utcDay(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// Whether `app` may notify `user` now: the rate limit first, then the daily cap (upstream order, the
    /// latter's position unconfirmed). `capExempt` skips the cap (users with a developer API key upstream).
    public func check(user: String, app: String, now: Date, capExempt: Bool = false) -> Verdict {
        if let last = lastSent[Pair(user: user, app: app)], now.timeIntervalSince(last) < rateLimit {
            return .rateLimited(retryAt: last.addingTimeInterval(rateLimit))
        }
        if !capExempt, sentToday(user: user, now: now) >= dailyCap { return .dailyCapReached }
        return .allowed
    }

    /// How many proactive notifications `user` has had on `now`'s UTC day.
    public func sentToday(user: String, now: Date) -> Int {
        guard let entry = sentToday[user], entry.day == Self.utcDay(now) else { return 0 }
        return entry.count
    }

    /// Records a notification that went out: sets the (user, app) timestamp and counts it against the user's day.
    public mutating func recordSent(user: String, app: String, now: Date) {
        lastSent[Pair(user: user, app: app)] = now
        let day = Self.utcDay(now)
        let count = sentToday[user].flatMap { $0.day == day ? $0.count : nil } ?? 0
        sentToday[user] = (day, count + 1)
        // Entries older than the rate limit can never refuse again; drop them so the map stays small.
        lastSent = lastSent.filter { now.timeIntervalSince($0.value) < rateLimit }
    }

    public static func == (a: ProactiveLimiter, b: ProactiveLimiter) -> Bool {
        a.dailyCap == b.dailyCap && a.rateLimit == b.rateLimit && a.lastSent == b.lastSent
            && a.sentToday.mapValues { [$0.day, $0.count] } == b.sentToday.mapValues { [$0.day, $0.count] }
    }
}

public import Foundation

/// The direct-notification rate limit (omi-contract §5): one window per UTC clock hour per (app, user).
/// `upstream` reproduces the Omi backend's result, 9 allowed per hour with `Remaining` 8…0; `corrected` allows
/// the advertised 10 with `Remaining` 9…0. The header limit says 10 in both. Pure: the caller passes `now`.
public struct DirectNotificationLimiter: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case upstream, corrected
    }

    /// What one request gets, and the `X-RateLimit-*` values to send with it.
    public struct Verdict: Sendable, Equatable {
        public var allowed: Bool
        public var limit = 10
        public var remaining: Int
        /// Seconds until the next UTC hour (`3600 − epoch mod 3600`): also `Retry-After` on a refusal.
        public var reset: Int
    }

    public let mode: Mode
    /// The UTC hour the counts are for; a request in a later hour starts them afresh (O(1) per request).
    private var hour = Int.min
    private var counts: [Key: Int] = [:]

    private struct Key: Hashable, Sendable {
        var appID: String
        var uid: String
    }

    public init(mode: Mode = .upstream) { self.mode = mode }

    private var allowedPerHour: Int { mode == .upstream ? 9 : 10 }

    /// Counts the request if it is allowed.
    public mutating func request(appID: String, uid: String, now: Date) -> Verdict {
        let epoch = Int(now.timeIntervalSince1970.rounded(.down))
        let hour = epoch / 3600
        let reset = 3600 - epoch % 3600
        if hour != self.hour {  // earlier hours are over
            self.hour = hour
            counts.removeAll(keepingCapacity: true)
        }
        let key = Key(appID: appID, uid: uid)
        let count = counts[key, default: 0]
        guard count < allowedPerHour else { return Verdict(allowed: false, remaining: 0, reset: reset) }
        counts[key] = count + 1
        return Verdict(allowed: true, remaining: allowedPerHour - count - 1, reset: reset)
    }
}

public import Foundation
import Synchronization

/// A settable "now" for code that takes `now: @Sendable () -> Date` (stores, limiters, the outbox, the
/// notification centre), so hour windows, backoff and 24 h limits are tested exactly.
public final class TestNow: Sendable {
    private let date: Mutex<Date>

    /// 2025-05-02 10:00:00 UTC unless told otherwise.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_746_180_000)) { date = Mutex(start) }

    public var now: Date { date.withLock { $0 } }

    public func advance(_ seconds: TimeInterval) { date.withLock { $0 = $0.addingTimeInterval(seconds) } }

    public func set(_ new: Date) { date.withLock { $0 = new } }

    /// `now` as the closure the code under test takes.
    public var closure: @Sendable () -> Date { { self.now } }
}

import Synchronization

/// A clock whose `sleep` returns at once after moving its time forward, and records what was asked: backoff
/// and cadence code runs at full speed in tests, and tests can assert the exact delays.
public final class InstantClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let state = Mutex<(now: Instant, sleeps: [Duration])>((Instant(offset: .zero), []))

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    /// Every duration slept, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { s in
            s.sleeps.append(s.now.duration(to: deadline))
            if deadline > s.now { s.now = deadline }
        }
        await Task.yield()
    }
}

/// Waits for `condition` to hold, failing after `timeout`. For conditions that have no event to await (another
/// process's counters); returns whether it held (checked once more at once if the task is cancelled). It checks
/// after 5 ms, then backs off to every 50 ms, so that many waiters (the test suite runs hundreds at once on two
/// cores) do not load the machine they wait on. The default timeout is generous for the same reason: under the
/// parallel suite a wait that is only slow must not fail; a condition that never holds still fails, a minute later.
public func eventually(
    timeout: Duration = .seconds(60), _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var pause = Duration.milliseconds(5)
    while clock.now < deadline {
        if try await condition() { return true }
        do { try await Task.sleep(for: pause) } catch { break }  // cancelled: stop polling, answer now
        pause = min(pause * 2, .milliseconds(50))
    }
    return try await condition()
}

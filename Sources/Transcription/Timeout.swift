/// Thrown by `withTimeout` when the deadline passes first.
public struct TimedOut: Error {
    public init() {}
}

/// Runs `body` under our own deadline: whichever finishes first wins and the other is cancelled (which cancels a
/// request in flight). Network clients (transcribers, text generators) use it to bound a whole exchange, not just
/// its connect.
public func withTimeout<T: Sendable>(
    _ timeout: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

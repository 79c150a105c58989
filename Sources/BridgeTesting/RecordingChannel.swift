public import Foundation
public import Notifications
import Synchronization

/// A channel for the centre's logic tests: records every message and answers with a script (one result per
/// attempt, the last one repeated), and reports the readiness it is given. The real channels are tested
/// against real peers in their own suites.
public final class RecordingChannel: NotificationChannel {
    public let name: ChannelName
    private let state: Mutex<State>

    struct State {
        var script: [Result<Void, ChannelFailure>]
        var readiness: ChannelReadiness
        var sent: [ChannelMessage] = []
        var readinessChecks = 0
    }

    public init(_ name: ChannelName, script: [Result<Void, ChannelFailure>] = [.success(())], readiness: ChannelReadiness = .ready) {
        self.name = name
        state = Mutex(State(script: script, readiness: readiness))
    }

    public var sent: [ChannelMessage] { state.withLock { $0.sent } }

    public func setReadiness(_ readiness: ChannelReadiness) { state.withLock { $0.readiness = readiness } }

    /// How many times `readiness()` was asked.
    public var readinessChecks: Int { state.withLock { $0.readinessChecks } }

    public func readiness() async -> ChannelReadiness {
        state.withLock { state in
            state.readinessChecks += 1
            return state.readiness
        }
    }

    public func send(_ message: ChannelMessage) async throws(ChannelFailure) {
        let result = state.withLock { state in
            state.sent.append(message)
            return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
        }
        try result.get()
    }
}

public import BlueZ
import OmiAudio

/// Reconnection timing: capped exponential backoff with jitter.
public struct ReconnectPolicy: Sendable, Equatable {
    public var initialDelay: Duration = .milliseconds(500)
    public var maxDelay: Duration = .seconds(30)
    /// ± this fraction of the delay, so many bridges restarting together do not retry in lockstep.
    public var jitter = 0.2

    public init(initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30), jitter: Double = 0.2) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (0-based), given a uniform sample `u` in [0, 1).
    public func delay(attempt: Int, unit u: Double) -> Duration {
        let base = initialDelay * Double(1 << min(attempt, 20))
        let capped = base > maxDelay ? maxDelay : base
        return capped * (1 + jitter * (2 * u - 1))
    }
}

/// The BLE connection lifecycle as a pure state machine (NIO style): the owner feeds events and performs the
/// returned action. No I/O, no clocks: the backoff jitter comes from a seeded generator, so every transition is
/// unit-testable and reproducible.
public struct ConnectionStateMachine: Sendable {
    public enum State: Equatable, Sendable {
        case idle
        case discovering
        case connecting
        /// `le-connection-abort-by-local`: retrying before `Connected=false` would race the old link.
        case awaitingLinkDown
        case settingUp
        case streaming
        case backingOff
        /// Services resolved without the Omi ones: forget the device so BlueZ resolves a fresh GATT cache.
        case removingStaleDevice
        /// bluetoothd is gone (NameOwnerChanged): wait for it to come back.
        case waitingForBlueZ
        case stopped
    }

    public enum Event: Equatable, Sendable {
        case start
        case deviceFound
        case discoveryFailed(BlueZError.Kind)
        case connected
        case connectFailed(BlueZError.Kind)
        case linkDown
        case setUpDone
        case setUpFailed(BlueZError.Kind)
        case staleGATT
        case deviceRemoved
        case linkLost
        case backoffElapsed
        case bluezGone
        case bluezBack
        case stop
    }

    public enum Action: Equatable, Sendable {
        case discover
        case connect
        case awaitLinkDown
        case setUp
        case stream
        case removeDevice
        /// Disconnect whatever is half set up, then wait this long before `backoffElapsed`.
        case backOff(Duration)
        case waitForBlueZ
        case tearDown
        case none
    }

    public private(set) var state: State = .idle
    /// Consecutive failures since the last successful stream; drives the backoff.
    public private(set) var failures = 0
    public let policy: ReconnectPolicy
    private var random: SplitMix64

    public init(policy: ReconnectPolicy = ReconnectPolicy(), seed: UInt64 = 0x0B1E) {
        self.policy = policy
        random = SplitMix64(seed: seed)
    }

    public mutating func handle(_ event: Event) -> Action {
        switch (state, event) {
        case (.stopped, _):
            return .none
        case (_, .stop):
            state = .stopped
            return .tearDown
        case (_, .bluezGone):
            state = .waitingForBlueZ
            return .waitForBlueZ
        case (.waitingForBlueZ, .bluezBack), (.idle, .start), (.backingOff, .backoffElapsed),
            (.removingStaleDevice, .deviceRemoved):
            state = .discovering
            return .discover
        case (.discovering, .deviceFound):
            state = .connecting
            return .connect
        case (.discovering, .discoveryFailed(let kind)), (.connecting, .connectFailed(let kind)),
            (.settingUp, .setUpFailed(let kind)):
            if kind == .bluezNotRunning {
                state = .waitingForBlueZ
                return .waitForBlueZ
            }
            if kind == .connectionAborted {
                state = .awaitingLinkDown
                return .awaitLinkDown
            }
            return backOff()
        case (.awaitingLinkDown, .linkDown):
            return backOff()
        case (.connecting, .connected):
            state = .settingUp
            return .setUp
        case (.settingUp, .staleGATT):
            state = .removingStaleDevice
            return .removeDevice
        case (.settingUp, .setUpDone):
            state = .streaming
            failures = 0
            return .stream
        case (.streaming, .linkLost), (.settingUp, .linkLost), (.connecting, .linkLost):
            return backOff()
        default:
            return .none  // an event that does not apply in this state (a late signal) changes nothing
        }
    }

    private mutating func backOff() -> Action {
        state = .backingOff
        let delay = policy.delay(attempt: failures, unit: random.nextUnitInterval())
        failures += 1
        return .backOff(delay)
    }
}

public import ServiceLifecycle
import Metrics

/// One stage of the daemon's `ServiceGroup`, under supervision: when its body throws, the failure is reported and
/// the body is started again after a capped exponential backoff (on an injected clock), while the group's other
/// services keep running. A body that returns, a cancellation, or the group's graceful shutdown ends the stage.
public struct SupervisedStage: Service {
    /// What the supervisor reports (the composition root logs it; `restarts` counts it as a metric too).
    public enum Event: Sendable, Equatable {
        /// The body threw; it is started again after `restartIn`.
        case failed(stage: String, error: String, failures: Int, restartIn: Duration)
        /// The body is being started again.
        case restarting(stage: String, failures: Int)
    }

    /// Delays before restarts: `initial`, doubled per consecutive failure, at most `cap`.
    public struct Backoff: Sendable, Equatable {
        public var initial: Duration
        public var cap: Duration

        public init(initial: Duration = .seconds(1), cap: Duration = .seconds(60)) {
            self.initial = initial
            self.cap = cap
        }

        /// The delay after the `failures`-th failure in a row (1-based).
        public func delay(after failures: Int) -> Duration {
            var delay = initial
            for _ in 1..<max(failures, 1) {
                delay *= 2
                if delay >= cap { return cap }
            }
            return min(delay, cap)
        }
    }

    public let name: String
    private let backoff: Backoff
    private let clock: any Clock<Duration>
    private let report: @Sendable (Event) -> Void
    private let body: @Sendable () async throws -> Void

    public init(
        _ name: String, backoff: Backoff = Backoff(), clock: any Clock<Duration> = ContinuousClock(),
        report: @escaping @Sendable (Event) -> Void, body: @escaping @Sendable () async throws -> Void
    ) {
        self.name = name
        self.backoff = backoff
        self.clock = clock
        self.report = report
        self.body = body
    }

    public func run() async throws {
        let restarts = Counter(label: "omi_bridge_stage_restarts_total", dimensions: [("stage", name)])
        var failures = 0
        while true {
            do {
                try await body()
                return
            } catch {
                if error is CancellationError || Task.isCancelled || Task.isShuttingDownGracefully { return }
                failures += 1
                let delay = backoff.delay(after: failures)
                report(.failed(stage: name, error: String(describing: error), failures: failures, restartIn: delay))
                restarts.increment()
                do {
                    try await cancelWhenGracefulShutdown { [clock] in try await clock.sleep(for: delay) }
                } catch {
                    return
                }
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                report(.restarting(stage: name, failures: failures))
            }
        }
    }
}

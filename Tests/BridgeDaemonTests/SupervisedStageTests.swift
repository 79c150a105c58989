import BridgeDaemon
import BridgeTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("SupervisedStage")
struct SupervisedStageTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "address already in use" }
    }

    /// A service that runs until the group shuts down, counting that it is alive.
    final class Steady: Service {
        private let alive = Mutex(false)
        var isAlive: Bool { alive.withLock { $0 } }
        func run() async throws {
            alive.withLock { $0 = true }
            try? await gracefulShutdown()
            alive.withLock { $0 = false }
        }
    }

    @Test("Backoff doubles per failure up to the cap")
    func backoff() {
        let backoff = SupervisedStage.Backoff(initial: .seconds(1), cap: .seconds(10))
        #expect((1...6).map(backoff.delay(after:)) == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test("A crashing stage is reported and restarted after 1 s, then 2 s, while the other service keeps running")
    func restartsWithBackoff() async throws {
        let clock = ManualClock()
        let starts = Mutex(0)
        let events = Mutex<[SupervisedStage.Event]>([])
        let steady = Steady()
        let flaky = SupervisedStage("http", clock: clock, report: { event in events.withLock { $0.append(event) } }) {
            let attempt = starts.withLock { $0 += 1; return $0 }
            if attempt <= 2 { throw Boom() }
            try await gracefulShutdown()  // the third start stays up until shutdown
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: steady), .init(service: flaky)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }

        #expect(await eventually { clock.sleeperCount == 1 })
        #expect(starts.withLock { $0 } == 1)
        #expect(steady.isAlive)
        clock.advance(by: .milliseconds(999))
        #expect(starts.withLock { $0 } == 1, "not restarted before its delay")
        clock.advance(by: .milliseconds(1))
        #expect(await eventually { starts.withLock { $0 } == 2 && clock.sleeperCount == 1 })
        clock.advance(by: .seconds(2))
        #expect(await eventually { starts.withLock { $0 } == 3 })
        #expect(clock.asked == [.seconds(1), .seconds(2)])
        #expect(steady.isAlive, "the other service kept running")
        #expect(
            events.withLock { $0 } == [
                .failed(stage: "http", error: "address already in use", failures: 1, restartIn: .seconds(1)),
                .restarting(stage: "http", failures: 1),
                .failed(stage: "http", error: "address already in use", failures: 2, restartIn: .seconds(2)),
                .restarting(stage: "http", failures: 2),
            ])

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(!steady.isAlive)
    }

    @Test("Graceful shutdown during the backoff ends the stage without restarting it")
    func shutdownDuringBackoff() async throws {
        let clock = ManualClock()
        let starts = Mutex(0)
        let stage = SupervisedStage("transcriber", clock: clock, report: { _ in }) {
            starts.withLock { $0 += 1 }
            throw Boom()
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: stage)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        #expect(await eventually { clock.sleeperCount == 1 })
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(starts.withLock { $0 } == 1)
    }
}

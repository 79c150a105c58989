import BridgeTesting
import OmiDevice
import OmiSimulator
import ServiceLifecycle

/// The scenario's director, the last service of its group: waits until the simulated Omi streams to the bridge,
/// presses buttons and sets the battery at their moments of the timeline, and returns once the audio has been sent
/// and received, which shuts the group down gracefully (the pipeline is flushed into the apps).
struct ScenarioDriver: Service {
    let simulator: BlueZSimulator
    let consumer: PipelineConsumer
    let clock: ScenarioClock
    let events: [(at: Double, step: Scenario.Step)]
    let audioSeconds: Double
    let speed: Double

    func run() async throws {
        guard await eventually(timeout: .seconds(30), { simulator.stats.delivered > 0 }) else {
            throw CLIFailure("the bridge did not connect to the simulated Omi within 30 s")
        }
        clock.start()
        for (at, step) in events {
            let wait = (at - clock.now) / speed
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            switch step {
            case .button(let event):
                log("scenario: button \(event)")
                simulator.press(event)
            case .battery(let level):
                log("scenario: battery \(level)%")
                simulator.setBattery(UInt8(level))
            default: break
            }
        }
        guard await eventually(timeout: .milliseconds(Int((audioSeconds / speed + 30) * 1000)), { simulator.stats.finished }) else {
            throw CLIFailure("the simulated Omi did not finish streaming")
        }
        // What the simulator sent is in the bridge's pipeline (or counted lost) before the stages are flushed.
        _ = await eventually(timeout: .seconds(5)) { [consumer, simulator] in
            let r = consumer.pipeline?.snapshot().reassembly
            return (r?.received ?? 0) + (r?.lostNotifications ?? 0) >= simulator.stats.delivered + simulator.stats.droppedByLoss
        }
    }
}

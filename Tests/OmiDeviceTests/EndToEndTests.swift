import BlueZ
import BridgeTesting
import DBusKit
import Foundation
import OmiAudio
import OmiDevice
import OmiSimulator
import Testing

/// A private bus, the simulator on it streaming `audio`, and a bridge session connected through BlueZClient.
struct Rig {
    let bus: PrivateBus
    let simulator: BlueZSimulator
    let client: BlueZClient
    let session: OmiDeviceSession
    let consumer: PipelineConsumer
    let collector = PCMCollector()
    let clock = InstantClock()
    let events = EventLog()
    let runner: Task<Void, Never>

    init(
        audio: PCMAudio, notifyMode: NotifyMode, speed: Double = 8, loop: Bool = false,
        configure: (inout SimulatorConfiguration) -> Void = { _ in }, before: (BlueZSimulator) -> Void = { _ in }
    ) async throws {
        bus = try PrivateBus()
        var configuration = SimulatorConfiguration()
        configuration.speed = speed
        configuration.loop = loop
        configure(&configuration)
        simulator = try await BlueZSimulator(bus: .address(bus.address), configuration: configuration, audio: audio)
        before(simulator)
        client = try await BlueZClient(bus: .address(bus.address))
        let collector = collector
        consumer = PipelineConsumer(onPipeline: { collector.attach($0) })
        var sessionConfiguration = OmiDeviceConfiguration()
        sessionConfiguration.notifyMode = notifyMode
        sessionConfiguration.discoveryTimeout = .seconds(10)
        session = OmiDeviceSession(
            client: client, configuration: sessionConfiguration, consumer: consumer, clock: clock)
        let session = session
        let events = events
        runner = Task { await session.run() }
        Task { for await event in session.events { events.append(event) } }
    }

    func shutdown() async {
        await session.stop()
        await runner.value
        consumer.finish()
        simulator.stop()
        bus.stop()
    }
}

/// Collects session events for assertions.
final class EventLog: Sendable {
    private let events = Mutex<[OmiDeviceEvent]>([])
    func append(_ event: OmiDeviceEvent) { events.withLock { $0.append(event) } }
    var all: [OmiDeviceEvent] { events.withLock { $0 } }
    func count(where predicate: (OmiDeviceEvent) -> Bool) -> Int { all.filter(predicate).count }
}

import Synchronization

@Suite("BLE end to end: bridge ↔ private dbus-daemon ↔ simulated BlueZ + Omi")
struct EndToEndTests {
    static let speech = PCMAudio(samples: TestSignals.speechLike(seconds: 3))

    @Test("Audio decoded through BlueZ matches what the simulator sent (SNR ≥ 10 dB)", arguments: [NotifyMode.acquire, .start])
    func streamsSpeech(mode: NotifyMode) async throws {
        let rig = try await Rig(audio: Self.speech, notifyMode: mode)
        let frames = (Self.speech.samples.count + 319) / 320
        #expect(await eventually { rig.simulator.stats.finished })
        #expect(await eventually { rig.consumer.pipeline?.snapshot().reassembly.received == rig.simulator.stats.delivered })
        let stats = rig.simulator.stats
        #expect(stats.delivered == frames)
        #expect(mode == .acquire ? stats.deliveredViaAcquire == frames : stats.deliveredViaSignal == frames)
        // The event reaches the log through the session's event stream, which may trail the audio on a loaded machine.
        #expect(await eventually { rig.events.all.contains(.connected(address: "C4:3A:92:0B:5E:01", name: "Omi", notifyMode: mode)) })
        #expect(stats.timeWrites.count == 1)
        await rig.shutdown()
        #expect(await eventually { rig.collector.samples.count >= frames * 320 })
        let decoded = rig.collector.samples
        #expect(decoded.count == frames * 320)
        #expect(TestSignals.snr(reference: Self.speech.samples, decoded: decoded) >= 10)
    }
}

import BlueZ
import BridgeTesting
import OmiAudio
import OmiDevice
import OmiSimulator
import Synchronization
import Testing

@Suite("BLE recovery against the simulator")
struct RecoveryTests {
    static let audio = PCMAudio(samples: TestSignals.speechLike(seconds: 2))

    private func connections(_ rig: Rig) -> Int {
        rig.events.count { if case .connected = $0 { true } else { false } }
    }

    private func streamingAgain(_ rig: Rig, after delivered: Int) async -> Bool {
        await eventually {
            rig.simulator.stats.delivered > delivered + 5
                && rig.consumer.pipeline?.snapshot().reassembly.received == rig.simulator.stats.delivered
        }
    }

    /// The simulator's and the pipeline's counts read together once every delivered notification has arrived (the
    /// stream goes on, so this is a moment between two notifications), within 20 s.
    private func settled(_ rig: Rig) async -> (SimulatorStats, PipelineSnapshot)? {
        let reading = Mutex<(SimulatorStats, PipelineSnapshot)?>(nil)
        let caughtUp = await eventually {
            let stats = rig.simulator.stats
            guard let pipeline = rig.consumer.pipeline?.snapshot(), pipeline.reassembly.received == stats.delivered,
                rig.simulator.stats.delivered == stats.delivered
            else { return false }
            reading.withLock { $0 = (stats, pipeline) }
            return true
        }
        return caughtUp ? reading.withLock { $0 } : nil
    }

    @Test("Ten forced disconnects give ten reconnects; the audio lost is exactly the gap the simulator made", arguments: [NotifyMode.acquire, .start])
    func tenDisconnects(mode: NotifyMode) async throws {
        let rig = try await Rig(audio: Self.audio, notifyMode: mode, loop: true)
        #expect(await streamingAgain(rig, after: 0))
        for round in 1...10 {
            let before = rig.simulator.stats.delivered
            rig.simulator.forceDisconnect()
            #expect(await eventually { connections(rig) == round + 1 }, "reconnect \(round)")
            #expect(await streamingAgain(rig, after: before), "streaming after reconnect \(round)")
        }
        // The simulator keeps streaming: read both sides at a moment when nothing is in flight between them.
        let (stats, pipeline) = try #require(await settled(rig), "the bridge never caught up with the simulator")
        #expect(
            stats.disconnects == 10 && stats.connects == 11,
            "\(stats)\n\(rig.events.all.map(\.description).joined(separator: "\n"))")
        #expect(stats.missedWhileDisconnected > 0)
        // Every notification the simulator did not deliver is one the bridge counts lost: the disconnect gaps, plus
        // any the AcquireNotify socket refused when a loaded machine stalled the reader (reported, not hidden).
        #expect(pipeline.reassembly.lostNotifications == stats.missedWhileDisconnected + stats.socketFull)
        #expect(pipeline.reassembly.received == stats.delivered)
        #expect(rig.events.count { if case .disconnected = $0 { true } else { false } } == 10)
        // Each loss was handled: concealed up to the cap, the rest reported as a timeline break.
        let frames = pipeline.decode.concealedFrames + pipeline.decode.droppedFrames
        #expect(frames == pipeline.reassembly.lostFrames)
        // Every reconnect waited the policy's first backoff (±20% jitter) on the injected clock.
        let sleeps = rig.clock.sleeps
        #expect(sleeps.count == 10)
        #expect(sleeps.allSatisfy { $0 >= .milliseconds(400) && $0 <= .milliseconds(600) })
        await rig.shutdown()
    }

    @Test("A refused connect (le-connection-abort-by-local) is retried after the link is down, and recovers")
    func refusedConnect() async throws {
        let rig = try await Rig(audio: Self.audio, notifyMode: .auto, loop: true, before: { $0.refuseConnects(2) })
        #expect(await streamingAgain(rig, after: 0))
        #expect(rig.simulator.stats.refusedConnects == 2)
        #expect(rig.events.all.contains(.state(.awaitingLinkDown)))
        #expect(rig.events.all.contains { if case .problem(let text) = $0 { text.contains("le-connection-abort-by-local") } else { false } })
        // Two failures in a row: the second backoff doubles the first.
        let sleeps = rig.clock.sleeps
        #expect(sleeps.count == 2 && sleeps[1] > sleeps[0])
        await rig.shutdown()
    }

    @Test("A stale GATT tree is removed and rediscovered, then audio flows")
    func staleGATT() async throws {
        let rig = try await Rig(audio: Self.audio, notifyMode: .auto, loop: true, before: { $0.makeGATTStale() })
        #expect(await streamingAgain(rig, after: 0))
        #expect(rig.events.all.contains(.state(.removingStaleDevice)))
        #expect(rig.simulator.stats.connects == 2)
        await rig.shutdown()
    }

    @Test("A bluetoothd restart (org.bluez loses its owner) is waited out and the device reconnected")
    func bluetoothdRestart() async throws {
        let rig = try await Rig(audio: Self.audio, notifyMode: .acquire, loop: true)
        #expect(await streamingAgain(rig, after: 0))
        let before = rig.simulator.stats.delivered
        try await rig.simulator.restartBlueZ()
        #expect(await eventually { connections(rig) == 2 })
        #expect(await streamingAgain(rig, after: before))
        #expect(rig.events.all.contains(.state(.waitingForBlueZ)) || rig.events.all.contains(.state(.backingOff)))
        await rig.shutdown()
    }

    @Test("Battery, button and charging reach the session as events; haptic writes reach the device")
    func deviceEvents() async throws {
        let rig = try await Rig(audio: Self.audio, notifyMode: .auto, loop: true)
        // Set-up is complete (controls subscribed) once the session reports the connection.
        #expect(await eventually { connections(rig) == 1 })
        #expect(rig.events.all.contains(.battery(87)))
        rig.simulator.press(.doubleTap)
        rig.simulator.setBattery(42)
        rig.simulator.setCharging(true)
        #expect(await eventually { rig.events.all.contains(.button(.doubleTap)) })
        #expect(await eventually { rig.events.all.contains(.battery(42)) })
        #expect(await eventually { rig.events.all.contains(.charging(true)) })
        try await rig.session.haptic(level: 2)
        #expect(rig.simulator.stats.hapticWrites == [2])
        await #expect(throws: BlueZError.self) { try await rig.session.haptic(level: 4) }
        let profile = rig.events.all.compactMap { if case .profile(let p) = $0 { p } else { nil } }.first
        #expect(profile?.codec == .opus20ms && profile?.mtu == 247 && profile?.firmware == "3.0.21")
        #expect(profile?.features == .cv1)
        await rig.shutdown()
    }
}

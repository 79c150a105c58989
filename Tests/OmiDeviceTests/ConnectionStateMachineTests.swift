import BlueZ
import OmiDevice
import Testing

@Suite("ConnectionStateMachine transitions")
struct ConnectionStateMachineTests {
    private func machine(at events: [ConnectionStateMachine.Event]) -> ConnectionStateMachine {
        var m = ConnectionStateMachine(policy: ReconnectPolicy(initialDelay: .seconds(1), maxDelay: .seconds(8), jitter: 0))
        for event in events { _ = m.handle(event) }
        return m
    }

    @Test("The happy path: start → discover → connect → set up → stream")
    func happyPath() {
        var m = machine(at: [])
        #expect(m.handle(.start) == .discover && m.state == .discovering)
        #expect(m.handle(.deviceFound) == .connect && m.state == .connecting)
        #expect(m.handle(.connected) == .setUp && m.state == .settingUp)
        #expect(m.handle(.setUpDone) == .stream && m.state == .streaming)
    }

    @Test("le-connection-abort-by-local waits for the link to go down before backing off")
    func abortByLocal() {
        var m = machine(at: [.start, .deviceFound])
        #expect(m.handle(.connectFailed(.connectionAborted)) == .awaitLinkDown && m.state == .awaitingLinkDown)
        #expect(m.handle(.backoffElapsed) == .none && m.state == .awaitingLinkDown)
        #expect(m.handle(.linkDown) == .backOff(.seconds(1)) && m.state == .backingOff)
        #expect(m.handle(.backoffElapsed) == .discover)
    }

    @Test("Backoff doubles per consecutive failure, is capped, and resets after streaming")
    func backoff() {
        var m = machine(at: [.start])
        var delays: [ConnectionStateMachine.Action] = []
        for _ in 0..<6 {
            delays.append(m.handle(.discoveryFailed(.deviceNotFound)))
            _ = m.handle(.backoffElapsed)
        }
        #expect(delays == [1, 2, 4, 8, 8, 8].map { .backOff(.seconds($0)) })
        _ = m.handle(.deviceFound)
        _ = m.handle(.connected)
        _ = m.handle(.setUpDone)
        #expect(m.failures == 0)
        #expect(m.handle(.linkLost) == .backOff(.seconds(1)))
    }

    @Test("Jitter stays within ±20% and is reproducible from the seed")
    func jitter() {
        let policy = ReconnectPolicy()
        var a = ConnectionStateMachine(policy: policy, seed: 42)
        var b = ConnectionStateMachine(policy: policy, seed: 42)
        _ = a.handle(.start)
        _ = b.handle(.start)
        let da = a.handle(.discoveryFailed(.timeout))
        #expect(da == b.handle(.discoveryFailed(.timeout)))
        guard case .backOff(let d) = da else { Issue.record("expected backOff"); return }
        #expect(d >= .milliseconds(400) && d <= .milliseconds(600))
    }

    @Test("Stale GATT removes the device and rediscovers")
    func staleGATT() {
        var m = machine(at: [.start, .deviceFound, .connected])
        #expect(m.handle(.staleGATT) == .removeDevice && m.state == .removingStaleDevice)
        #expect(m.handle(.deviceRemoved) == .discover)
    }

    @Test("bluetoothd going away from any state waits for it; its return rediscovers")
    func bluezRestart() {
        for events: [ConnectionStateMachine.Event] in [[.start], [.start, .deviceFound], [.start, .deviceFound, .connected, .setUpDone]] {
            var m = machine(at: events)
            #expect(m.handle(.bluezGone) == .waitForBlueZ && m.state == .waitingForBlueZ)
            #expect(m.handle(.bluezBack) == .discover)
        }
        var m = machine(at: [.start])
        #expect(m.handle(.discoveryFailed(.bluezNotRunning)) == .waitForBlueZ)
    }

    @Test("Stop tears down from any state and then ignores everything")
    func stop() {
        var m = machine(at: [.start, .deviceFound, .connected, .setUpDone])
        #expect(m.handle(.stop) == .tearDown && m.state == .stopped)
        #expect(m.handle(.start) == .none && m.handle(.linkLost) == .none && m.state == .stopped)
    }

    @Test("Events that do not apply change nothing")
    func lateEvents() {
        var m = machine(at: [.start, .deviceFound, .connected, .setUpDone])
        #expect(m.handle(.deviceFound) == .none && m.state == .streaming)
        #expect(m.handle(.linkDown) == .none && m.state == .streaming)
    }
}

public import BlueZ
import DBusKit
import Foundation
import Glibc
import OmiAudio
import Synchronization

/// Settings for one Omi session.
public struct OmiDeviceConfiguration: Sendable {
    /// Connect to this address only; nil takes the first Omi found.
    public var address: String?
    /// Adapter name (`hci0`); nil picks one.
    public var adapter: String?
    public var notifyMode: NotifyMode = .auto
    public var reconnect = ReconnectPolicy()
    public var connectTimeout: Duration = .seconds(20)
    public var discoveryTimeout: Duration = .seconds(30)
    /// Write the time on every connect (omi-contract §1.1).
    public var syncTime = true
    /// Seed for backoff jitter.
    public var seed: UInt64 = UInt64(truncatingIfNeeded: Int(getpid()))

    public init() {}
}

/// Connects to an Omi and keeps it connected: discovery, connect, profile set-up, audio streaming into a
/// `NotificationConsumer`, and recovery from every kind of loss, driven by `ConnectionStateMachine`.
public final class OmiDeviceSession: Sendable {
    public let client: BlueZClient
    public let configuration: OmiDeviceConfiguration
    public let events: AsyncStream<OmiDeviceEvent>
    let emit: AsyncStream<OmiDeviceEvent>.Continuation
    let consumer: any NotificationConsumer
    let clock: any Clock<Duration>
    let current = Mutex<Link?>(nil)
    let stopRequested = Atomic<Bool>(false)
    /// Set when org.bluez lost its owner; the run loop turns it into `.bluezGone`.
    let bluezLost = Atomic<Bool>(false)

    /// The device in use and its subscriptions.
    struct Link: Sendable {
        var device: BlueZDevice
        var adapter: String
        var subscriptions: [any GattSubscription] = []
    }

    /// - Parameter clock: paces reconnect backoff (tests pass one that does not really wait).
    public init(
        client: BlueZClient, configuration: OmiDeviceConfiguration, consumer: any NotificationConsumer,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.client = client
        self.configuration = configuration
        self.consumer = consumer
        self.clock = clock
        (events, emit) = AsyncStream.makeStream(of: OmiDeviceEvent.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// Runs until `stop()` or task cancellation.
    public func run() async {
        var machine = ConnectionStateMachine(policy: configuration.reconnect, seed: configuration.seed)
        var action = machine.handle(.start)
        let presenceWatcher = Task { [client] in
            for await present in client.presence where !present {
                self.bluezLost.store(true, ordering: .relaxed)
                await self.abortLink("bluetoothd went away")
            }
        }
        defer { presenceWatcher.cancel() }
        var reported: ConnectionStateMachine.State?
        while !Task.isCancelled {
            if machine.state != reported && machine.state != .stopped { emit.yield(.state(machine.state)) }
            reported = machine.state
            if stopRequested.load(ordering: .relaxed) && machine.state != .stopped {
                action = machine.handle(.stop)
                continue
            }
            let event: ConnectionStateMachine.Event
            switch action {
            case .none: return finishRun()
            case .tearDown:
                await tearDown()
                return finishRun()
            case .discover: event = await discover()
            case .connect: event = await connect()
            case .awaitLinkDown: event = await awaitLinkDown()
            case .setUp: event = await setUp()
            case .stream: event = await stream()
            case .removeDevice: event = await removeStaleDevice()
            case .backOff(let delay):
                await tearDown()
                try? await clock.sleep(for: delay)
                event = .backoffElapsed
            case .waitForBlueZ: event = await waitForBlueZ()
            }
            if stopRequested.load(ordering: .relaxed) {
                action = machine.handle(.stop)
            } else if bluezLost.exchange(false, ordering: .relaxed) {
                action = machine.handle(.bluezGone)
            } else {
                action = machine.handle(event)
            }
        }
        await tearDown()
        finishRun()
    }

    /// Asks `run()` to disconnect and return.
    public func stop() async {
        stopRequested.store(true, ordering: .relaxed)
        await abortLink("stopping")
    }

    /// Buzzes the device (omi-contract §1: 1 = 100 ms, 2 = 300 ms, 3 = 500 ms).
    public func haptic(level: Int) async throws(BlueZError) {
        guard (1...3).contains(level) else { throw BlueZError(.notSupported, "haptic level \(level) is not 1, 2 or 3") }
        guard let link = current.withLock({ $0 }), let path = client.characteristic(OmiGATT.hapticWrite, of: link.device.path)
        else { throw BlueZError(.disconnected, "no Omi with a haptic motor is connected") }
        try await client.write(path, [UInt8(level)])
    }

    /// The connected device, if any.
    public var device: BlueZDevice? { current.withLock { $0?.device } }

    private func finishRun() {
        emit.yield(.state(.stopped))
        emit.finish()
    }

    // MARK: Steps

    private func discover() async -> ConnectionStateMachine.Event {
        do {
            let adapter = try await client.adapter(named: configuration.adapter)
            let device = try await client.discover(
                adapter: adapter, serviceUUID: OmiGATT.audioService, address: configuration.address,
                timeout: configuration.discoveryTimeout)
            current.withLock { $0 = Link(device: device, adapter: adapter) }
            return .deviceFound
        } catch {
            emit.yield(.problem(error.message))
            return .discoveryFailed(error.kind)
        }
    }

    private func connect() async -> ConnectionStateMachine.Event {
        guard let link = current.withLock({ $0 }) else { return .connectFailed(.deviceNotFound) }
        do {
            try await client.connect(link.device.path, timeout: configuration.connectTimeout)
            return .connected
        } catch {
            emit.yield(.problem(error.message))
            return .connectFailed(error.kind)
        }
    }

    /// After `le-connection-abort-by-local`, waits for `Connected=false` before any retry (bleak's rule).
    private func awaitLinkDown() async -> ConnectionStateMachine.Event {
        guard let path = current.withLock({ $0?.device.path }) else { return .linkDown }
        _ = await client.cache.waitFor(timeout: .seconds(10)) {
            $0.property(path, BlueZClient.deviceInterface, "Connected")?.bool != true
        }
        return .linkDown
    }

    private func removeStaleDevice() async -> ConnectionStateMachine.Event {
        guard let path = current.withLock({ $0?.device.path }) else { return .deviceRemoved }
        emit.yield(.problem("\(path): GATT services are stale (Omi audio service missing); removing the device"))
        await client.disconnect(path)
        try? await client.removeDevice(path)
        current.withLock { $0 = nil }
        return .deviceRemoved
    }

    private func waitForBlueZ() async -> ConnectionStateMachine.Event {
        emit.yield(.problem("BlueZ is not running; waiting for org.bluez to come back"))
        await tearDown()
        current.withLock { $0 = nil }
        while !Task.isCancelled && !stopRequested.load(ordering: .relaxed) {
            if (try? await client.connection.nameOwner(BlueZClient.service)) != nil {
                do {
                    try await client.refresh()
                    return .bluezBack
                } catch {}
            }
            try? await clock.sleep(for: .milliseconds(250))
        }
        return .stop
    }

    /// Disconnects and drops subscriptions (before a retry, and at the end).
    func tearDown() async {
        guard let link = current.withLock({ current in
            defer { current?.subscriptions = [] }
            return current
        }) else { return }
        for subscription in link.subscriptions { await subscription.cancel() }
        if client.cache.objects.property(link.device.path, BlueZClient.deviceInterface, "Connected")?.bool == true {
            await client.disconnect(link.device.path)
        }
    }

    /// Ends the current link from outside the run loop (stop, bluetoothd exit): cancelling the subscriptions
    /// makes `stream()` return.
    func abortLink(_ reason: String) async {
        let subscriptions = current.withLock { $0?.subscriptions ?? [] }
        for subscription in subscriptions { await subscription.cancel() }
    }
}

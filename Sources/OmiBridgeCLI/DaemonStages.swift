import BridgeServer
import Logging
import Metrics
import Notifications
import OmiApps
import OmiDevice
import ServiceLifecycle
import Synchronization

/// Set once graceful shutdown begins: the device's own disconnect at the end is not an alert, and systemd has
/// already heard STOPPING=1.
final class DaemonShutdown: Sendable {
    private let begun = Mutex(false)
    var hasBegun: Bool { begun.withLock { $0 } }
    func begin() { begun.withLock { $0 = true } }
}

/// The BLE → audio → transcription → apps stage: the device session (reconnecting for ever) until graceful shutdown,
/// then the flush: the decoder drains, the last utterance is transcribed, the apps get what is pending, the open
/// conversation closes into the outbox (durable; delivered now, or by the next run).
struct DeviceStage: Service {
    let session: OmiDeviceSession
    let consumer: PipelineConsumer
    let transcription: LiveTranscription?
    let apps: AppsSession?

    func run() async throws {
        await withGracefulShutdownHandler {
            await session.run()
        } onGracefulShutdown: { [session] in
            Task { await session.stop() }
        }
        consumer.finish()
        await transcription?.finish()
        await apps?.finish()
    }
}

/// Device events: logged, turned into `device.battery_low` / `device.disconnected` notifications, and told to systemd
/// as the unit's status.
struct DeviceEventsStage: Service {
    let session: OmiDeviceSession
    let centre: any NotificationDelivery
    let uid: String
    let systemd: SystemdNotifier
    let shutdown: DaemonShutdown
    var hub: LiveHub?

    func run() async throws {
        var alerts = DeviceAlerts(userID: uid)
        var device: String?
        let battery = Gauge(label: "omi_bridge_device_battery_percent")
        let connected = Gauge(label: "omi_bridge_device_connected")
        let rssi = Gauge(label: "omi_bridge_device_rssi_dbm")
        for await event in session.events.cancelOnGracefulShutdown() {
            if case .connected(let address, _, _) = event {
                device = address
                // BlueZ reports RSSI while discovering; the connection keeps the value it was found with.
                if let value = session.device?.rssi {
                    rssi.record(value)
                    hub?.publish("device", ["rssi": .integer(Int64(value))])
                }
            }
            log(event.description, Self.level(event), subsystem: "device", device.map { [("device", $0)] } ?? [])
            hub?.device(event)
            let stopping = shutdown.hasBegun
            switch event {
            case .connected(let address, let name, _):
                alerts.connected(address: address, name: name)
                connected.record(1)
                if !stopping { systemd.status("streaming from \(address)") }
            case .battery(let level):
                battery.record(level)
                if let alert = alerts.battery(level) { await centre.deliver(alert) }
            case .disconnected(let reason):
                connected.record(0)
                if !stopping, let alert = alerts.disconnected(reason: reason) { await centre.deliver(alert) }
                if !stopping { systemd.status("reconnecting (\(reason))") }
            case .state(.waitingForBlueZ):
                if !stopping { systemd.status("waiting for BlueZ") }
            default: break
            }
        }
        try? await gracefulShutdown()  // the events end when the device stage stops the session: wait for our turn
    }
}

extension DeviceEventsStage {
    static func level(_ event: OmiDeviceEvent) -> Logger.Level {
        switch event {
        case .disconnected, .problem: .warning
        default: .info
        }
    }
}

/// systemd's watchdog pings (when it asks for them) until graceful shutdown, which it is told first (STOPPING=1).
struct SystemdStage: Service {
    let systemd: SystemdNotifier
    let shutdown: DaemonShutdown

    func run() async throws {
        if let interval = systemd.watchdogInterval {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    systemd.watchdog()
                    try? await Task.sleep(for: interval)
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        shutdown.begin()
        systemd.stopping()
    }
}

public import DBusKit
import Foundation

/// A generic BlueZ client over D-Bus, in bleak's proven order: match rules first, then `GetManagedObjects`, an
/// object cache kept current by signals, adapter selection, filtered discovery, `StopDiscovery` before
/// `Connect`, our own deadline on `Connect`, `ServicesResolved` raced against `Connected=false` and removal,
/// characteristics found by UUID (never by path).
public final class BlueZClient: Sendable {
    public static let service = "org.bluez"
    public static let adapterInterface = "org.bluez.Adapter1"
    public static let deviceInterface = "org.bluez.Device1"
    public static let serviceInterface = "org.bluez.GattService1"
    public static let characteristicInterface = "org.bluez.GattCharacteristic1"
    public static let batteryInterface = "org.bluez.Battery1"

    public let connection: DBusConnection
    public let cache = BlueZObjectCache()
    /// NameOwnerChanged for org.bluez: `true` when bluetoothd (re)appears, `false` when it goes away.
    public let presence: AsyncStream<Bool>
    private let presenceContinuation: AsyncStream<Bool>.Continuation

    /// Connects to `bus`, subscribes to BlueZ's signals and loads its objects. With `waitingForBlueZ` (the daemon,
    /// which may start before bluetoothd), BlueZ not running yet is not an error: the cache starts empty and is
    /// loaded when `org.bluez` gets an owner, as after a bluetoothd restart.
    public init(bus: DBusBus, waitingForBlueZ: Bool = false) async throws(BlueZError) {
        do {
            // 20 ms of read coalescing: StartNotify audio arrives as a signal per notification; batching the reads
            // cuts wake-ups per notification (5 → 20 ms: 22 → 11 µs each at 1k/s) and adds at most 20 ms to a
            // reply while a stream flows (a call to send ends the wait at once). 20 ms is one CV1 frame, nothing
            // next to the endpointer's 600 ms, and the same cap as the AcquireNotify reader's pause.
            connection = try DBusConnection(bus: bus, coalescing: .milliseconds(20))
        } catch {
            throw BlueZError(
                .bluezNotRunning, "cannot connect to the \(bus): \(error.message) (is dbus running?)",
                dbusName: error.name)
        }
        (presence, presenceContinuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(16))
        try await subscribe()
        do { try await refresh() } catch where waitingForBlueZ && error.kind == .bluezNotRunning {
            presenceContinuation.yield(false)
        }
    }

    deinit { connection.close() }

    private func subscribe() async throws(BlueZError) {
        let cache = cache
        let presence = presenceContinuation
        do {
            try await connection.addSignalHandler(
                DBusMatchRule(sender: Self.service, interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesAdded")
            ) { cache.interfacesAdded($0.arguments()) }
            try await connection.addSignalHandler(
                DBusMatchRule(sender: Self.service, interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesRemoved")
            ) { cache.interfacesRemoved($0.arguments()) }
            // Per interface (arg0), so high-rate characteristic Value changes never reach the cache.
            for interface in [Self.adapterInterface, Self.deviceInterface, Self.batteryInterface] {
                try await connection.addSignalHandler(
                    DBusMatchRule(
                        sender: Self.service, pathNamespace: "/org/bluez", interface: "org.freedesktop.DBus.Properties",
                        member: "PropertiesChanged", arg0: interface)
                ) { view in cache.propertiesChanged(path: view.path ?? "", view.arguments()) }
            }
            try await connection.addSignalHandler(
                DBusMatchRule(
                    sender: "org.freedesktop.DBus", interface: "org.freedesktop.DBus", member: "NameOwnerChanged",
                    arg0: Self.service)
            ) { [weak self] view in
                let arguments = view.arguments()
                let appeared = arguments.count == 3 && !(arguments[2].string ?? "").isEmpty
                if appeared {
                    // bluetoothd (re)started: its objects are all new; reload them in bus order.
                    self?.reload()
                } else {
                    cache.clear()
                }
                presence.yield(appeared)
            }
        } catch {
            throw BlueZError(error, doing: "subscribing to BlueZ signals")
        }
    }

    /// Reloads every object with `GetManagedObjects` (at start, and after bluetoothd comes back).
    public func refresh() async throws(BlueZError) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[DBusValue], DBusError>, Never>) in
            reload { continuation.resume(returning: $0) }
        }
        if case .failure(let error) = result { throw BlueZError(error, doing: "reading BlueZ's objects") }
    }

    /// Starts a `GetManagedObjects` whose reply replaces the cache on the connection's thread (in bus order with
    /// the signals), then calls `done`.
    private func reload(_ done: @escaping @Sendable (Result<[DBusValue], DBusError>) -> Void = { _ in }) {
        let cache = cache
        connection.call(
            destination: Self.service, path: "/", interface: "org.freedesktop.DBus.ObjectManager",
            member: "GetManagedObjects", timeout: .seconds(10)
        ) { result in
            if case .success(let values) = result, let snapshot = values.first { cache.replaceAll(snapshot) }
            done(result)
        }
    }

    /// Calls a BlueZ method, classifying failures.
    @discardableResult
    public func call(
        _ path: String, _ interface: String, _ member: String, _ arguments: [DBusValue] = [],
        timeout: Duration = .seconds(25), doing what: String
    ) async throws(BlueZError) -> [DBusValue] {
        do {
            return try await connection.call(
                destination: Self.service, path: path, interface: interface, member: member, arguments: arguments,
                timeout: timeout)
        } catch {
            throw BlueZError(error, doing: what)
        }
    }

    public func setProperty(_ path: String, _ interface: String, _ name: String, _ value: DBusValue)
        async throws(BlueZError)
    {
        try await call(
            path, "org.freedesktop.DBus.Properties", "Set", [.string(interface), .string(name), .variant(value)],
            doing: "setting \(name) on \(path)")
    }
}

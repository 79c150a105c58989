import DBusKit

/// A device BlueZ reports.
public struct BlueZDevice: Sendable, Equatable {
    public var path: String
    public var address: String
    public var name: String?
    public var rssi: Int?
    public var uuids: [String]
    public var connected: Bool
    public var servicesResolved: Bool
    public var battery: Int?

    init?(path: String, _ interfaces: [String: [String: DBusValue]]) {
        guard let device = interfaces[BlueZClient.deviceInterface], let address = device["Address"]?.string else {
            return nil
        }
        self.path = path
        self.address = address
        name = device["Name"]?.string ?? device["Alias"]?.string
        rssi = device["RSSI"]?.integer.map(Int.init)
        uuids = (device["UUIDs"]?.strings ?? []).map { $0.lowercased() }
        connected = device["Connected"]?.bool ?? false
        servicesResolved = device["ServicesResolved"]?.bool ?? false
        battery = interfaces[BlueZClient.batteryInterface]?["Percentage"]?.integer.map(Int.init)
    }
}

/// Adapter selection and discovery.
extension BlueZClient {
    /// Picks an adapter: `name` (e.g. `hci0`) if given, else the first powered one, else the first one, which is
    /// then powered on. Feature-detects `Roles` (BlueZ ≥ 5.59): an adapter that lists roles must list `central`.
    public func adapter(named name: String? = nil) async throws(BlueZError) -> String {
        let objects = cache.objects
        var candidates = objects.paths(with: Self.adapterInterface)
        if let name { candidates = candidates.filter { $0.hasSuffix("/" + name) } }
        candidates = candidates.filter { path in
            guard let roles = objects.property(path, Self.adapterInterface, "Roles")?.strings else { return true }
            return roles.contains("central")
        }
        guard !candidates.isEmpty else {
            throw BlueZError(
                .noAdapter,
                name.map { "no Bluetooth adapter named \($0) (see `bluetoothctl list`)" }
                    ?? "no Bluetooth adapter: BlueZ reports none (`bluetoothctl list`; unblock with `rfkill unblock bluetooth`)")
        }
        let powered = candidates.first { objects.property($0, Self.adapterInterface, "Powered")?.bool == true }
        if let powered { return powered }
        let path = candidates[0]
        try await setProperty(path, Self.adapterInterface, "Powered", .bool(true))
        let on = await cache.waitFor(timeout: .seconds(5)) {
            $0.property(path, Self.adapterInterface, "Powered")?.bool == true
        }
        guard on else { throw BlueZError(.noAdapter, "adapter \(path) did not power on (rfkill? `rfkill list`)") }
        return path
    }

    /// Devices under `adapter` that advertise `serviceUUID` (or match `address`), best signal first.
    public func devices(adapter: String, serviceUUID: String, address: String? = nil) -> [BlueZDevice] {
        Self.devices(in: cache.objects, adapter: adapter, serviceUUID: serviceUUID, address: address)
    }

    static func devices(in objects: BlueZObjects, adapter: String, serviceUUID: String, address: String?) -> [BlueZDevice] {
        objects.paths(with: Self.deviceInterface)
            .filter { $0.hasPrefix(adapter + "/") }
            .compactMap { BlueZDevice(path: $0, objects[$0]!) }
            .filter { device in
                if let address { return device.address.caseInsensitiveCompare(address) == .orderedSame }
                return device.uuids.contains(serviceUUID.lowercased())
            }
            .sorted { ($0.rssi ?? -127) > ($1.rssi ?? -127) }
    }

    /// Finds a device: one BlueZ already knows, else scans (LE only, filtered by `serviceUUID`) until one shows up
    /// or `timeout` passes. Discovery is stopped before returning, as connecting while scanning fails on many
    /// adapters.
    public func discover(adapter: String, serviceUUID: String, address: String? = nil, timeout: Duration)
        async throws(BlueZError) -> BlueZDevice
    {
        if let known = devices(adapter: adapter, serviceUUID: serviceUUID, address: address).first { return known }
        try await startDiscovery(adapter: adapter, serviceUUID: serviceUUID)
        let found = await cache.waitFor(timeout: timeout) { objects in
            !Self.devices(in: objects, adapter: adapter, serviceUUID: serviceUUID, address: address).isEmpty
        }
        await stopDiscovery(adapter: adapter)
        guard found, let device = devices(adapter: adapter, serviceUUID: serviceUUID, address: address).first else {
            throw BlueZError(
                .deviceNotFound,
                "no Omi found within \(timeout)" + (address.map { " with address \($0)" } ?? "")
                    + ": is it charged, near, and not connected to a phone?")
        }
        return device
    }

    /// Scans for `duration` and returns every matching device seen.
    public func scan(adapter: String, serviceUUID: String, duration: Duration) async throws(BlueZError) -> [BlueZDevice] {
        try await startDiscovery(adapter: adapter, serviceUUID: serviceUUID)
        try? await Task.sleep(for: duration)  // a scan window is a duration by definition
        await stopDiscovery(adapter: adapter)
        return devices(adapter: adapter, serviceUUID: serviceUUID)
    }

    func startDiscovery(adapter: String, serviceUUID: String) async throws(BlueZError) {
        try await call(
            adapter, Self.adapterInterface, "SetDiscoveryFilter",
            [.properties(["Transport": .string("le"), "UUIDs": .strings([serviceUUID])])],
            doing: "setting the discovery filter")
        do {
            try await call(adapter, Self.adapterInterface, "StartDiscovery", doing: "starting discovery")
        } catch where error.dbusName == "org.bluez.Error.InProgress" {
            // Another client is scanning already; its results reach us too.
        }
    }

    func stopDiscovery(adapter: String) async {
        _ = try? await call(adapter, Self.adapterInterface, "StopDiscovery", timeout: .seconds(5), doing: "stopping discovery")
    }
}

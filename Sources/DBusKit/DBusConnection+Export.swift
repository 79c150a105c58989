/// Exporting objects and owning names: what a service (the BlueZ simulator, a notification server in tests) needs.
extension DBusConnection {
    /// Makes `ObjectManager.GetManagedObjects` answer at `root` for every object below it, and makes exporting
    /// or removing objects below it emit `InterfacesAdded` / `InterfacesRemoved`.
    public func exportObjectManager(at root: String) {
        perform { $0.exports.managers.insert(root) }
    }

    /// Exports (or extends) the object at `path` with `interfaces`.
    public func export(_ path: String, interfaces: [DBusInterface]) {
        perform { loop in
            var added: [String: DBusInterface] = [:]
            for interface in interfaces {
                loop.exports.objects[path, default: [:]][interface.name] = interface
                added[interface.name] = interface
            }
            if let manager = loop.exports.manager(for: path) {
                try? loop.emit(
                    path: manager, interface: DBusExports.objectManager, member: "InterfacesAdded",
                    arguments: [.objectPath(path), loop.exports.interfacesAndProperties(added)])
            }
        }
    }

    /// Removes interfaces from the object at `path` (all of them when `interfaces` is nil).
    public func unexport(_ path: String, interfaces: [String]? = nil) {
        perform { loop in
            guard let existing = loop.exports.objects[path] else { return }
            let removed = interfaces ?? Array(existing.keys)
            for name in removed { loop.exports.objects[path]?[name] = nil }
            if loop.exports.objects[path]?.isEmpty == true { loop.exports.objects[path] = nil }
            if let manager = loop.exports.manager(for: path) {
                try? loop.emit(
                    path: manager, interface: DBusExports.objectManager, member: "InterfacesRemoved",
                    arguments: [.objectPath(path), .strings(removed.sorted())])
            }
        }
    }

    /// Emits `org.freedesktop.DBus.Properties.PropertiesChanged`.
    public func emitPropertiesChanged(
        path: String, interface: String, changed: [String: DBusValue], invalidated: [String] = []
    ) {
        emit(
            path: path, interface: DBusExports.properties, member: "PropertiesChanged",
            arguments: [.string(interface), .properties(changed), .strings(invalidated)])
    }

    /// Asks the bus for a well-known name. Returns the bus's reply code (1 = primary owner).
    /// `replaceExisting`/`allowReplacement` map to the DBUS_NAME_FLAG_* flags.
    @discardableResult
    public func requestName(_ name: String, allowReplacement: Bool = false, replaceExisting: Bool = false)
        async throws(DBusError) -> UInt32
    {
        let flags: UInt32 = (allowReplacement ? 1 : 0) | (replaceExisting ? 2 : 0) | 4  // 4: do not queue
        let reply = try await call(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "RequestName", arguments: [.string(name), .uint32(flags)])
        let code = UInt32(reply.first?.integer ?? 0)
        guard code == 1 || code == 4 else {
            throw DBusError(name: "org.freedesktop.DBus.Error.NameTaken", message: "\(name) is owned by another client")
        }
        return code
    }

    public func releaseName(_ name: String) async throws(DBusError) {
        _ = try await call(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "ReleaseName", arguments: [.string(name)])
    }

    /// The unique name owning `name`, or nil when nobody does.
    public func nameOwner(_ name: String) async throws(DBusError) -> String? {
        do {
            return try await call(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                interface: "org.freedesktop.DBus", member: "GetNameOwner", arguments: [.string(name)]
            ).first?.string
        } catch where error.name == "org.freedesktop.DBus.Error.NameHasNoOwner" {
            return nil
        }
    }
}

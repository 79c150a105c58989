import Foundation

/// Which bus to connect to.
public enum DBusBus: Sendable, Equatable, CustomStringConvertible {
    /// The system bus: `$DBUS_SYSTEM_BUS_ADDRESS`, else `unix:path=/run/dbus/system_bus_socket`. BlueZ lives here.
    case system
    /// The user's session bus: `$DBUS_SESSION_BUS_ADDRESS` (desktop notifications live here).
    case session
    /// An explicit address, e.g. a private `dbus-daemon` for tests: `unix:path=/tmp/x/bus`.
    case address(String)

    public static let defaultSystemAddress = "unix:path=/run/dbus/system_bus_socket"

    /// The address this bus resolves to now, from the environment where applicable.
    public func resolvedAddress(environment: [String: String]? = nil) throws(DBusError) -> String {
        let environment = environment ?? ProcessInfo.processInfo.environment
        switch self {
        case .address(let address): return address
        case .system:
            return environment["DBUS_SYSTEM_BUS_ADDRESS"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultSystemAddress
        case .session:
            guard let address = environment["DBUS_SESSION_BUS_ADDRESS"], !address.isEmpty else {
                throw DBusError(
                    name: "org.freedesktop.DBus.Error.NoServer",
                    message: "no session bus: DBUS_SESSION_BUS_ADDRESS is not set (not in a desktop session?)")
            }
            return address
        }
    }

    public var description: String {
        switch self {
        case .system: "system bus"
        case .session: "session bus"
        case .address(let address): "bus at \(address)"
        }
    }
}

/// A match rule (the D-Bus `AddMatch` syntax). Only signals are matched.
public struct DBusMatchRule: Sendable, Equatable, Hashable {
    public var sender: String?
    public var path: String?
    /// Matches the path and everything below it.
    public var pathNamespace: String?
    public var interface: String?
    public var member: String?
    /// The first argument, when it is a string (`PropertiesChanged`'s interface name, `NameOwnerChanged`'s name).
    public var arg0: String?

    public init(
        sender: String? = nil, path: String? = nil, pathNamespace: String? = nil, interface: String? = nil,
        member: String? = nil, arg0: String? = nil
    ) {
        self.sender = sender
        self.path = path
        self.pathNamespace = pathNamespace
        self.interface = interface
        self.member = member
        self.arg0 = arg0
    }

    /// The rule as the bus daemon reads it.
    public var ruleString: String {
        var parts = ["type='signal'"]
        func add(_ key: String, _ value: String?) {
            if let value { parts.append("\(key)='\(value.replacingOccurrences(of: "'", with: "'\\''"))'") }
        }
        add("sender", sender)
        add("path", path)
        add("path_namespace", pathNamespace)
        add("interface", interface)
        add("member", member)
        add("arg0", arg0)
        return parts.joined(separator: ",")
    }
}

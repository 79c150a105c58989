/// A method call received for an exported object.
public struct DBusMethodCall: Sendable {
    public var sender: String?
    public var path: String
    public var interface: String?
    public var member: String
    public var arguments: [DBusValue]

    public init(sender: String?, path: String, interface: String?, member: String, arguments: [DBusValue]) {
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.arguments = arguments
    }
}

/// Handles one method; runs on the connection's thread, so it must not block for long.
public typealias DBusMethodHandler = @Sendable (DBusMethodCall) throws(DBusError) -> [DBusValue]

/// One interface of an exported object: methods, readable properties, optionally writable ones.
public struct DBusInterface: Sendable {
    public var name: String
    public var methods: [String: DBusMethodHandler]
    public var properties: @Sendable () -> [String: DBusValue]
    public var setProperty: (@Sendable (String, DBusValue) throws(DBusError) -> Void)?

    public init(
        name: String, methods: [String: DBusMethodHandler] = [:],
        properties: @escaping @Sendable () -> [String: DBusValue] = { [:] },
        setProperty: (@Sendable (String, DBusValue) throws(DBusError) -> Void)? = nil
    ) {
        self.name = name
        self.methods = methods
        self.properties = properties
        self.setProperty = setProperty
    }
}

/// The objects a connection exports, with the standard Properties, ObjectManager, Introspectable and Peer
/// interfaces answered for them.
struct DBusExports {
    static let properties = "org.freedesktop.DBus.Properties"
    static let objectManager = "org.freedesktop.DBus.ObjectManager"
    static let introspectable = "org.freedesktop.DBus.Introspectable"
    static let peer = "org.freedesktop.DBus.Peer"

    var objects: [String: [String: DBusInterface]] = [:]
    var managers: Set<String> = []

    /// The object manager whose subtree holds `path`, if any.
    func manager(for path: String) -> String? {
        managers.filter { $0 == "/" ? path != "/" : path.hasPrefix($0 + "/") }.max { $0.count < $1.count }
    }

    /// `a{sa{sv}}` of an object's interfaces and their properties.
    func interfacesAndProperties(_ interfaces: [String: DBusInterface]) -> DBusValue {
        .dictionary(
            key: "s", value: "a{sv}",
            interfaces.keys.sorted().map { DBusDictEntry(.string($0), .properties(interfaces[$0]!.properties())) })
    }

    func managedObjects(under root: String) -> DBusValue {
        let paths = objects.keys.filter { root == "/" ? $0 != "/" : $0.hasPrefix(root + "/") }.sorted()
        return .dictionary(
            key: "o", value: "a{sa{sv}}",
            paths.map { DBusDictEntry(.objectPath($0), interfacesAndProperties(objects[$0]!)) })
    }

    func dispatch(_ call: DBusMethodCall) -> Result<[DBusValue], DBusError> {
        do { return .success(try answer(call)) } catch { return .failure(error) }
    }

    private func answer(_ call: DBusMethodCall) throws(DBusError) -> [DBusValue] {
        switch (call.interface, call.member) {
        case (Self.peer, "Ping"): return []
        case (Self.introspectable, "Introspect"): return [.string(introspect(call.path))]
        case (Self.objectManager, "GetManagedObjects") where managers.contains(call.path):
            return [managedObjects(under: call.path)]
        default: break
        }
        guard let interfaces = objects[call.path] else {
            throw DBusError(name: DBusError.unknownObjectName, message: "no object at \(call.path)")
        }
        if call.interface == Self.properties { return try properties(call, interfaces) }
        let candidates = call.interface.map { interfaces[$0].map { [$0] } ?? [] } ?? Array(interfaces.values)
        guard let handler = candidates.lazy.compactMap({ $0.methods[call.member] }).first else {
            throw DBusError(
                name: DBusError.unknownMethodName,
                message: "no method \(call.interface ?? "*").\(call.member) at \(call.path)")
        }
        return try handler(call)
    }

    private func properties(_ call: DBusMethodCall, _ interfaces: [String: DBusInterface]) throws(DBusError)
        -> [DBusValue]
    {
        let name = call.arguments.first?.string ?? ""
        guard let interface = interfaces[name] else {
            throw DBusError(name: DBusError.invalidArgsName, message: "no interface \(name) at \(call.path)")
        }
        switch call.member {
        case "GetAll":
            return [.properties(interface.properties())]
        case "Get":
            let property = call.arguments.count > 1 ? call.arguments[1].string ?? "" : ""
            guard let value = interface.properties()[property] else {
                throw DBusError(name: DBusError.unknownPropertyName, message: "no property \(name).\(property)")
            }
            return [.variant(value)]
        case "Set":
            guard call.arguments.count == 3, let property = call.arguments[1].string,
                case .variant(let value) = call.arguments[2]
            else { throw .invalidArgs("Set takes (s interface, s property, v value)") }
            guard let setter = interface.setProperty else {
                throw DBusError(name: "org.freedesktop.DBus.Error.PropertyReadOnly", message: "\(name).\(property)")
            }
            try setter(property, value)
            return []
        default:
            throw DBusError(name: DBusError.unknownMethodName, message: "no method Properties.\(call.member)")
        }
    }

    /// Minimal introspection data: the object's interfaces and its direct children.
    private func introspect(_ path: String) -> String {
        let prefix = path == "/" ? "/" : path + "/"
        let children = Set(
            objects.keys.filter { $0.hasPrefix(prefix) && $0 != path }
                .map { String($0.dropFirst(prefix.count).prefix { $0 != "/" }) })
        var xml = "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\" "
        xml += "\"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n"
        for name in (objects[path]?.keys.sorted() ?? []) { xml += "  <interface name=\"\(name)\"/>\n" }
        for child in children.sorted() { xml += "  <node name=\"\(child)\"/>\n" }
        return xml + "</node>\n"
    }
}

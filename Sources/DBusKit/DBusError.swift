import CDBus

/// An error from D-Bus: a remote error reply, a local libdbus failure, or a timeout. `name` is the D-Bus error
/// name (`org.bluez.Error.Failed`, `org.freedesktop.DBus.Error.AccessDenied`, …), `message` its text.
public struct DBusError: Error, Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    public var description: String { "\(name): \(message)" }

    public static let failedName = "org.freedesktop.DBus.Error.Failed"
    public static let noReplyName = "org.freedesktop.DBus.Error.NoReply"
    public static let disconnectedName = "org.freedesktop.DBus.Error.Disconnected"
    public static let invalidArgsName = "org.freedesktop.DBus.Error.InvalidArgs"
    public static let unknownMethodName = "org.freedesktop.DBus.Error.UnknownMethod"
    public static let unknownObjectName = "org.freedesktop.DBus.Error.UnknownObject"
    public static let unknownPropertyName = "org.freedesktop.DBus.Error.UnknownProperty"
    public static let serviceUnknownName = "org.freedesktop.DBus.Error.ServiceUnknown"
    public static let accessDeniedName = "org.freedesktop.DBus.Error.AccessDenied"

    public static func invalidArgs(_ message: String) -> DBusError { DBusError(name: invalidArgsName, message: message) }
    public static func failed(_ message: String) -> DBusError { DBusError(name: failedName, message: message) }
    public static func disconnected() -> DBusError {
        DBusError(name: disconnectedName, message: "the D-Bus connection is closed")
    }
}

/// Runs a libdbus call that reports through a `DBusError*`, converting a set error into a Swift `DBusError`.
func withDBusError<T>(_ body: (UnsafeMutablePointer<CDBus.DBusError>) -> T) throws(DBusError) -> T {
    var error = CDBus.DBusError()
    dbus_error_init(&error)
    let result = body(&error)
    if dbus_error_is_set(&error) != 0 {
        let swiftError = DBusError(
            name: error.name.map { String(cString: $0) } ?? DBusError.failedName,
            message: error.message.map { String(cString: $0) } ?? "")
        dbus_error_free(&error)
        throw swiftError
    }
    return result
}

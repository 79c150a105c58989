public import DBusKit

/// A BlueZ failure, classified so callers (the connection state machine, the CLI) can react and tell the user
/// what to do.
public struct BlueZError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Nobody owns `org.bluez` on the bus.
        case bluezNotRunning
        /// The bus's policy refuses us.
        case accessDenied
        case noAdapter
        case deviceNotFound
        /// `le-connection-abort-by-local`: retry, but only once the link is really down.
        case connectionAborted
        case connectFailed
        case timeout
        /// The link or the device went away while we were using it.
        case disconnected
        /// Services resolved without the ones we need: the GATT cache is stale.
        case staleGATT
        case notSupported
        case dbus
    }

    public var kind: Kind
    public var message: String
    /// The D-Bus error behind it, if any.
    public var dbusName: String?

    public init(_ kind: Kind, _ message: String, dbusName: String? = nil) {
        self.kind = kind
        self.message = message
        self.dbusName = dbusName
    }

    public var description: String { message }

    /// Classifies a D-Bus error from a call to BlueZ, with advice for the cases users meet.
    public init(_ error: DBusError, doing what: String) {
        dbusName = error.name
        switch error.name {
        case DBusError.serviceUnknownName, "org.freedesktop.DBus.Error.NameHasNoOwner":
            kind = .bluezNotRunning
            message = "BlueZ (org.bluez) is not running on this bus: start it with `sudo systemctl start bluetooth`"
        case DBusError.accessDeniedName:
            kind = .accessDenied
            message =
                "the D-Bus policy does not let this user talk to org.bluez (\(error.message)): add the user to the "
                + "`bluetooth` group and install packaging/org.omibridge.conf into /etc/dbus-1/system.d/ "
                + "(docs/raspberry-pi.md)"
        case DBusError.noReplyName:
            kind = .timeout
            message = "\(what): BlueZ did not answer in time"
        case DBusError.disconnectedName:
            kind = .disconnected
            message = "\(what): the D-Bus connection closed"
        case "org.bluez.Error.Failed" where error.message.contains("le-connection-abort-by-local"):
            kind = .connectionAborted
            message = "\(what): le-connection-abort-by-local (will retry once the link is down)"
        case "org.bluez.Error.NotConnected", "org.freedesktop.DBus.Error.UnknownObject", "org.bluez.Error.DoesNotExist":
            kind = .disconnected
            message = "\(what): \(error.message.isEmpty ? error.name : error.message)"
        case "org.bluez.Error.NotSupported", "org.bluez.Error.NotPermitted":
            kind = .notSupported
            message = "\(what): \(error.name): \(error.message)"
        default:
            kind = what.hasPrefix("connect") ? .connectFailed : .dbus
            message = "\(what): \(error.name): \(error.message)"
        }
    }
}

public import DBusKit

/// Tests say `PrivateBus`: a private dbus-daemon (DBusKit's `PrivateDBusDaemon`).
public typealias PrivateBus = PrivateDBusDaemon

public import DBusKit

/// A freedesktop notification's urgency (the `urgency` hint, a byte).
public enum DesktopUrgency: UInt8, Sendable, Equatable, CaseIterable {
    case low = 0
    case normal = 1
    /// Most servers keep critical bubbles until they are dismissed.
    case critical = 2
}

/// Which bus the desktop channel uses and how its bubbles look.
public struct DesktopChannelConfiguration: Sendable, Equatable {
    /// The user's session bus by default; an explicit address for tests or a bridge running outside the session
    /// (`unix:path=/run/user/1000/bus`).
    public var bus: DBusBus
    public var appName: String
    /// The `desktop-entry` hint: the basename of the `.desktop` file servers take the icon and name from.
    public var desktopEntry: String
    /// An icon name or `file://` URI; empty for none.
    public var appIcon: String
    public var urgencies: CategoryMap<DesktopUrgency>
    /// Milliseconds; -1 lets the server decide, 0 never expires.
    public var expireTimeout: Int32
    /// Bounds each D-Bus call.
    public var callTimeout: Duration

    /// device.disconnected and device.battery_low critical (the wearer has to act on the device, and critical
    /// bubbles stay until seen), app.* and webhook.circuit_open normal, conversation.* low (a record of what
    /// happened, nothing to act on), anything else normal.
    public static let defaultUrgencies = CategoryMap<DesktopUrgency>(
        [
            "device.disconnected": .critical, "device.battery_low": .critical, "app.*": .normal,
            "webhook.circuit_open": .normal, "conversation.*": .low,
        ], fallback: .normal)

    public init(
        bus: DBusBus = .session, appName: String = "omi-bridge", desktopEntry: String = "omi-bridge",
        appIcon: String = "", urgencies: CategoryMap<DesktopUrgency> = defaultUrgencies, expireTimeout: Int32 = -1,
        callTimeout: Duration = .seconds(5)
    ) {
        self.bus = bus
        self.appName = appName
        self.desktopEntry = desktopEntry
        self.appIcon = appIcon
        self.urgencies = urgencies
        self.expireTimeout = expireTimeout
        self.callTimeout = callTimeout
    }
}

/// Shows notifications as desktop bubbles through `org.freedesktop.Notifications.Notify` (the Desktop
/// Notifications Specification) on the session bus.
///
/// Each bubble is `Notify("omi-bridge", replaces_id, app_icon, headline, body, [], {urgency, category,
/// desktop-entry}, -1)`; the headline is the title, then the subtitle. The body is escaped (`&`, `<`, `>`) when
/// the server advertises `body-markup`, and when its capabilities are not known yet (a server that D-Bus will
/// activate on this call), since nearly every server interprets markup.
///
/// **Updates replace bubbles.** A message with `metadata["replaces"]`, or any `device.*` message, has a replace
/// key (that value, else the category); the id the server returned for the last bubble of a key is sent as
/// `replaces_id`, so a second `device.battery_low` updates the first bubble instead of stacking another. Ids are
/// the server's: they are forgotten when the server (the owner of the name) changes or the connection is
/// reopened, and at most `maxRememberedKeys` keys are kept.
///
/// **Connection.** Opened on first use (readiness or send) and reopened when it dropped (a restarted session
/// bus). Call `disconnect()` when done with the channel; its connection thread keeps it alive until then.
public actor DesktopChannel: NotificationChannel {
    public static let serverName = "org.freedesktop.Notifications"
    public static let objectPath = "/org/freedesktop/Notifications"
    public static let maxRememberedKeys = 256

    /// D-Bus errors that another attempt cannot fix: the request or the server is wrong, not the moment.
    static let finalErrors: Set<String> = [
        DBusError.invalidArgsName, DBusError.unknownMethodName, DBusError.unknownObjectName, DBusError.accessDeniedName,
        "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.InvalidSignature",
        "org.freedesktop.DBus.Error.NotSupported",
    ]

    public nonisolated let name = ChannelName.desktop
    public nonisolated let configuration: DesktopChannelConfiguration

    private var connection: DBusConnection?
    /// The server the remembered ids belong to.
    private var server: Server?
    /// Replace key → the server's id of the last bubble shown for it.
    private var bubbles: [String: UInt32] = [:]

    private struct Server: Equatable {
        var owner: String
        var bodyMarkup: Bool
    }

    public init(configuration: DesktopChannelConfiguration = .init()) {
        self.configuration = configuration
    }

    deinit { connection?.close() }

    /// Closes the connection; the next readiness check or send opens a new one.
    public func disconnect() {
        connection?.close()
        connection = nil
        forgetServer()
    }

    /// `NO_SESSION_BUS` when the bus is unknown or cannot be reached, `NO_NOTIFICATION_SERVER` when nothing owns
    /// `org.freedesktop.Notifications` and the bus cannot activate it, else ready. Shows nothing.
    public func readiness() async -> ChannelReadiness {
        guard let connection = try? openConnection() else { return .notReady("NO_SESSION_BUS") }
        do {
            if try await connection.nameOwner(Self.serverName) != nil { return .ready }
            let reply = try await connection.call(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                member: "ListActivatableNames", timeout: configuration.callTimeout)
            return reply.first?.strings?.contains(Self.serverName) == true
                ? .ready : .notReady("NO_NOTIFICATION_SERVER")
        } catch {
            if error.name == DBusError.disconnectedName {
                drop(connection)
                return .notReady("NO_SESSION_BUS")
            }
            return .notReady("NO_NOTIFICATION_SERVER")
        }
    }

    public func send(_ message: ChannelMessage) async throws(ChannelFailure) {
        let connection = try openConnection()
        let key = Self.replaceKey(for: message)
        let reply: [DBusValue]
        do {
            let markup = try await currentServer(on: connection)?.bodyMarkup ?? true
            let replacesID = key.flatMap { bubbles[$0] } ?? 0
            reply = try await connection.call(
                destination: Self.serverName, path: Self.objectPath, interface: Self.serverName, member: "Notify",
                arguments: arguments(for: message, replacesID: replacesID, markup: markup),
                timeout: configuration.callTimeout)
        } catch {
            if error.name == DBusError.disconnectedName { drop(connection) }
            throw Self.failure(error, bus: configuration.bus)
        }
        guard reply.count == 1, case .uint32(let id) = reply[0] else {
            throw ChannelFailure(
                "\(Self.serverName).Notify answered \(reply) instead of one notification id (u)", retryable: false)
        }
        if let key { remember(id, for: key) }
    }

    /// The `Notify` arguments (`susssasa{sv}i`) for `message`.
    func arguments(for message: ChannelMessage, replacesID: UInt32, markup: Bool) -> [DBusValue] {
        // D-Bus strings cannot hold NUL; a stray one would make the call invalid for good.
        func clean(_ text: String) -> String { text.replacingOccurrences(of: "\u{0}", with: "") }
        let body = markup ? Self.escapedMarkup(message.body) : message.body
        return [
            .string(clean(configuration.appName)), .uint32(replacesID), .string(clean(configuration.appIcon)),
            .string(clean(message.headline)), .string(clean(body)), .strings([]),
            .properties([
                "urgency": .byte(configuration.urgencies[message.category].rawValue),
                "category": .string(clean(message.category)),
                "desktop-entry": .string(clean(configuration.desktopEntry)),
            ]),
            .int32(configuration.expireTimeout),
        ]
    }

    /// The key whose previous bubble `message` replaces: `metadata["replaces"]`, else the category of a
    /// `device.*` message (a device's state has one bubble), else none.
    public static func replaceKey(for message: ChannelMessage) -> String? {
        if let key = message.metadata["replaces"], !key.isEmpty { return key }
        return message.category.hasPrefix("device.") ? message.category : nil
    }

    static func escapedMarkup(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func failure(_ error: DBusError, bus: DBusBus) -> ChannelFailure {
        switch error.name {
        case DBusError.serviceUnknownName, "org.freedesktop.DBus.Error.NameHasNoOwner":
            ChannelFailure(
                "NO_NOTIFICATION_SERVER: nothing owns \(serverName) on the \(bus) (\(error.name): \(error.message))",
                retryable: true)
        case DBusError.disconnectedName:
            ChannelFailure("NO_SESSION_BUS: lost the connection to the \(bus) (\(error.message))", retryable: true)
        default:
            ChannelFailure("D-Bus \(error.name): \(error.message)", retryable: !finalErrors.contains(error.name))
        }
    }

    // MARK: State

    /// The open connection, or a new one when there is none or it dropped.
    private func openConnection() throws(ChannelFailure) -> DBusConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        // A new connection may well reach a new server: the old ids could name someone else's bubbles there.
        forgetServer()
        do {
            let opened = try DBusConnection(bus: configuration.bus)
            connection = opened
            return opened
        } catch {
            throw ChannelFailure(
                "NO_SESSION_BUS: cannot connect to the \(configuration.bus) (\(error.name): \(error.message))",
                retryable: true)
        }
    }

    /// Forgets `stale` if it is still the current connection (another call may have replaced it meanwhile).
    private func drop(_ stale: DBusConnection) {
        guard connection === stale else { return }
        stale.close()
        connection = nil
        forgetServer()
    }

    /// The server owning the name now, nil when nobody does (yet: `Notify` may activate one). A different owner
    /// than last time is a new server: the remembered ids are dropped and its capabilities asked once.
    private func currentServer(on connection: DBusConnection) async throws(DBusError) -> Server? {
        guard let owner = try await connection.nameOwner(Self.serverName) else { return server }
        if let server, server.owner == owner { return server }
        let capabilities = try? await connection.call(
            destination: owner, path: Self.objectPath, interface: Self.serverName, member: "GetCapabilities",
            timeout: configuration.callTimeout)
        let found = Server(owner: owner, bodyMarkup: capabilities?.first?.strings?.contains("body-markup") ?? false)
        // Ids from a server that was activated for our last call stay valid; ids from a replaced one do not.
        if server != nil { bubbles = [:] }
        server = found
        return found
    }

    private func remember(_ id: UInt32, for key: String) {
        if bubbles[key] == nil, bubbles.count >= Self.maxRememberedKeys { bubbles.remove(at: bubbles.startIndex) }
        bubbles[key] = id
    }

    private func forgetServer() {
        server = nil
        bubbles = [:]
    }
}

public import Foundation
public import Notifications
public import Store

/// One check of `GET /readyz`: a name (the key in `checks`) and a probe that throws when the bridge cannot serve.
/// The probe's error is logged; the client sees only ``reason``, so no path or SQL leaves the process.
public struct ReadinessCheck: Sendable {
    public var name: String
    /// What the body says when the probe fails: short, fixed, safe for an unauthenticated caller.
    public var reason: String
    public var probe: @Sendable () async throws -> Void

    public init(name: String, reason: String, probe: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.reason = reason
        self.probe = probe
    }

    /// The database answers a trivial read.
    public static func database(_ database: BridgeDatabase) -> ReadinessCheck {
        ReadinessCheck(name: "database", reason: "the database did not answer a read") {
            try database.ping()
        }
    }

    /// The notification centre's status (queue depth and channel readiness) can be read.
    public static func notifications(_ centre: NotificationCentre) -> ReadinessCheck {
        ReadinessCheck(name: "notifications", reason: "the notification centre's status is unreadable") {
            _ = try await centre.status()
        }
    }
}

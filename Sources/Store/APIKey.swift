public import Foundation
import GRDB

/// A bearer key for the local HTTP API, as stored: its name, role and dates, never the key itself (only its
/// SHA-256 is kept, and that is not exposed here either).
public struct APIKey: Sendable, Equatable, Identifiable {
    /// What a key may do. Members use the everyday routes; admins also manage keys and bridge-wide settings.
    public enum Role: String, Sendable, Equatable, CaseIterable {
        case admin
        case member
    }

    /// A UUID string.
    public var id: String
    /// A label chosen by whoever created the key ("laptop", "home-assistant").
    public var name: String
    public var role: Role
    public var createdAt: Date
    /// When the key was revoked; a revoked key no longer verifies.
    public var revokedAt: Date?

    public init(id: String, name: String, role: Role, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the key has been revoked.
    public var isRevoked: Bool { revokedAt != nil }
}

extension APIKey {
    /// Decodes an `api_keys` row (the `hash` column is deliberately not read).
    init(row: Row) throws {
        let roleText: String = row["role"]
        guard let role = Role(rawValue: roleText) else {
            throw DatabaseError(message: "API key \(row["id"] as String): unknown role '\(roleText)'")
        }
        let revoked: Double? = row["revoked_at"]
        self.init(
            id: row["id"], name: row["name"], role: role,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            revokedAt: revoked.map(Date.init(timeIntervalSince1970:)))
    }
}

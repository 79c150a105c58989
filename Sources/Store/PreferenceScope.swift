/// Whose notification preferences these are (omi-contract §7): the bridge-wide defaults, or one user's overrides
/// of them. Stored in the `scope` column as `tenant` or `user:<id>`, which is also its ``description``.
public enum PreferenceScope: Sendable, Hashable, CustomStringConvertible {
    /// The bridge-wide defaults ("tenant" upstream); only admins change them.
    case tenant
    /// One user's overrides.
    case user(String)

    /// The `scope` column's value. The prefix keeps a user id that happens to be `tenant` apart from the defaults.
    public var description: String {
        switch self {
        case .tenant: "tenant"
        case .user(let id): "user:" + id
        }
    }
}

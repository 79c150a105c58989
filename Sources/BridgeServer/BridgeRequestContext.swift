public import Hummingbird
public import Store

/// The request context of the bridge's API: Hummingbird's core storage plus the caller's verified API key,
/// set by ``BearerAuthMiddleware`` before any handler runs.
public struct BridgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The verified key of the caller; nil only on routes that need no key (`/healthz`).
    public var apiKey: APIKey?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.apiKey = nil
    }

    /// Request bodies above this are refused with 413 before they are parsed.
    public var maxUploadSize: Int { 2 * 1024 * 1024 }

    /// The caller's role; nil when no key was checked.
    public var role: APIKey.Role? { apiKey?.role }

    /// Throws a 403 envelope (`type: forbidden`) unless the caller's key is an admin key.
    public func requireAdmin() throws(APIError) {
        guard let apiKey else { throw APIError.unauthorized }
        guard apiKey.role == .admin else { throw APIError.adminRequired }
    }
}

public import Hummingbird
import Foundation
import Logging
public import Store

/// Checks `Authorization: Bearer <key>` against ``APIKeyStore/verify(_:)`` on every route but the public ones
/// (`GET /healthz`), and puts the verified key in the context. A missing header, another scheme, or a key that
/// is unknown or revoked gets the 401 envelope. The key is never logged.
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = BridgeRequestContext

    private let keys: APIKeyStore
    /// Paths served without a key, any method.
    private let publicPaths: Set<String>
    /// Path prefixes that authenticate by their own scheme (the Omi-compatible routes take apps' keys).
    private let publicPrefixes: [String]

    public init(keys: APIKeyStore, publicPaths: Set<String> = ["/healthz"], publicPrefixes: [String] = []) {
        self.keys = keys
        self.publicPaths = publicPaths
        self.publicPrefixes = publicPrefixes
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if publicPaths.contains(path) || publicPrefixes.contains(where: { path.hasPrefix($0) }) {
            return try await next(request, context)
        }
        guard let key = Self.bearerToken(request.headers[.authorization]),
            let record = try keys.verify(key)
        else { throw APIError.unauthorized }
        var context = context
        context.apiKey = record
        context.logger[metadataKey: "api_key_id"] = .string(record.id)
        return try await next(request, context)
    }

    /// The token of a `Bearer` authorization header (scheme case-insensitive, RFC 7235), or nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

/// The outermost middleware: every error becomes the bridge-native envelope (omi-contract §7). ``APIError``s
/// pass through; Hummingbird's own errors keep their status (404 unknown route, 413 body too large); anything else
/// is logged and answered 500 with no detail.
public struct ErrorEnvelopeMiddleware: RouterMiddleware {
    public typealias Context = BridgeRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.envelope(for: error, context: context).response(from: request, context: context)
        }
    }

    /// The envelope an error is answered with.
    static func envelope(for error: any Error, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any HTTPResponseError:
            switch error.status.code {
            case 401: return .unauthorized
            case 403: return .adminRequired
            case 404: return .notFound
            case 405: return .notFound
            case 413:
                return APIError(
                    status: .contentTooLarge, kind: .invalidRequest, message: "The request body is too large.")
            case 400..<500:
                return APIError(status: error.status, kind: .invalidRequest, message: "The request is invalid.")
            default:
                context.logger.error("request failed: \(error.status.code)")
                return .internalError
            }
        default:
            // A StoreError names the file and the operation, never SQL arguments: safe for the log, not the client.
            context.logger.error("request failed: \(String(describing: error))")
            return .internalError
        }
    }
}

public import Hummingbird

/// An error answered in the bridge-native envelope (omi-contract §7):
/// `{"error":{"type":…,"message":…,"code":…|null,"param":…|null}}`.
///
/// Handlers throw it; ``ErrorEnvelopeMiddleware`` also turns every other error into one, so no response ever
/// carries internals (SQL, paths, stack traces).
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    /// The envelope's `type`.
    public enum Kind: String, Sendable, Equatable, Codable {
        case invalidRequest = "invalid_request_error"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case internalServerError = "internal_server_error"
    }

    /// The envelope's `code`, for request errors a client can act on.
    public enum Code: String, Sendable, Equatable, Codable {
        case parameterMissing = "parameter_missing"
        case parameterInvalid = "parameter_invalid"
        case invalidJSON = "invalid_json"
    }

    public var status: HTTPResponse.Status
    public var kind: Kind
    public var message: String
    public var code: Code?
    /// The offending parameter (a body field or query parameter name), if one is to blame.
    public var param: String?

    public init(status: HTTPResponse.Status, kind: Kind, message: String, code: Code? = nil, param: String? = nil) {
        self.status = status
        self.kind = kind
        self.message = message
        self.code = code
        self.param = param
    }

    /// 401: no key, a malformed header, or a key that does not verify.
    public static let unauthorized = APIError(
        status: .unauthorized, kind: .unauthorized, message: "A valid API key is required (Authorization: Bearer <key>).")
    /// 403: the key is valid but its role may not do this.
    public static let adminRequired = APIError(
        status: .forbidden, kind: .forbidden, message: "This route needs an admin API key.")
    /// 404: no such route.
    public static let notFound = APIError(status: .notFound, kind: .notFound, message: "No such route.")
    /// 404 with a message of its own: the route exists but what it serves does not here.
    public static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, kind: .notFound, message: message)
    }
    /// 500, with nothing about the cause.
    public static let internalError = APIError(
        status: .internalServerError, kind: .internalServerError, message: "Internal server error.")

    /// 400 `invalid_json`: the body is not JSON.
    public static func invalidJSON(_ message: String = "The request body is not valid JSON.") -> APIError {
        APIError(status: .badRequest, kind: .invalidRequest, message: message, code: .invalidJSON)
    }

    /// 400 `parameter_missing` naming `param`.
    public static func missing(_ param: String) -> APIError {
        APIError(
            status: .badRequest, kind: .invalidRequest, message: "Missing required parameter: \(param).",
            code: .parameterMissing, param: param)
    }

    /// 400 `parameter_invalid` naming `param` (nil when the body as a whole is wrong).
    public static func invalid(_ param: String?, _ message: String) -> APIError {
        APIError(status: .badRequest, kind: .invalidRequest, message: message, code: .parameterInvalid, param: param)
    }

    /// The envelope as JSON, with explicit nulls for an absent `code` or `param`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(Envelope(error: .init(type: kind, message: message, code: code, param: param)), status: status)
    }

    private struct Envelope: Encodable {
        struct Body: Encodable {
            var type: Kind
            var message: String
            var code: Code?
            var param: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(type, forKey: .type)
                try container.encode(message, forKey: .message)
                try container.encode(code, forKey: .code)
                try container.encode(param, forKey: .param)
            }

            enum CodingKeys: String, CodingKey { case type, message, code, param }
        }

        var error: Body
    }
}

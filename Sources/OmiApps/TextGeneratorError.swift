/// Why a `TextGenerator` produced no text. The message names the URL and status but never the API key.
public struct TextGeneratorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, for metrics and `explain`.
    public enum Kind: String, Sendable, Codable {
        /// Nothing answers at the URL (refused, no route, DNS).
        case unreachable
        /// No complete answer within the timeout.
        case timeout
        /// 401 or 403: the key is wrong or missing.
        case authentication
        /// A 5xx.
        case serverError
        /// Any other status, a reset connection, or a body that is not the expected JSON.
        case badResponse
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

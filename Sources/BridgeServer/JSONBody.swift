public import Foundation
public import Hummingbird

/// Decoding request bodies into the envelope's vocabulary: not JSON → `invalid_json`; a required field absent or
/// null → `parameter_missing`; a field of the wrong type, or a body that is not an object → `parameter_invalid`,
/// with `param` naming the field (`a.b.0` for nested ones).
public enum JSONBody {
    /// Collects the body (at most `context.maxUploadSize` bytes, else 413) and decodes a `T` from it.
    public static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, context: some RequestContext
    ) async throws -> T {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    /// Decodes a `T` from `data`, throwing only ``APIError``s.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(APIError) -> T {
        guard !data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw APIError.invalidJSON("The request body is empty; a JSON object is expected.")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw apiError(error)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.invalidJSON()
        }
    }

    /// The envelope for a decoding failure.
    static func apiError(_ error: DecodingError) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            return .missing(path(context.codingPath + [key]))
        case .valueNotFound(_, let context):
            return .missing(path(context.codingPath))
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty { return .invalid(nil, "The request body must be a JSON object.") }
            let name = path(context.codingPath)
            return .invalid(name, "Parameter \(name) must be \(typeName(type)).")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .invalidJSON() }
            let name = path(context.codingPath)
            return .invalid(name, "Parameter \(name) is invalid.")
        @unknown default:
            return .invalidJSON()
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default: "of another type"
        }
    }
}

public import Foundation
public import Hummingbird

/// JSON responses with one encoder for the whole API: snake_case keys are spelled out by the types themselves,
/// keys are sorted (stable output for tests and diffs), dates are ISO 8601 with milliseconds in UTC.
public enum JSONResponse {
    /// Encodes `value` as the body of a response with `status` and `Content-Type: application/json`.
    public static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder().encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The API's encoder.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return encoder
    }

    /// `2025-06-15T15:06:40.000Z`: the form every `created_at` in the API takes.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}

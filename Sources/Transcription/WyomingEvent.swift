import Foundation

/// One event of the Wyoming protocol (Rhasspy / Home Assistant voice services): a JSON header line, then
/// `data_length` bytes of JSON data merged over the header's `data`, then `payload_length` bytes of payload.
/// Written as the reference implementation writes it: `type` and `version` in the header, data in its own section.
struct WyomingEvent: Sendable, Equatable {
    var type: String
    /// The event's data as a JSON object (serialized, so the event stays `Sendable`).
    var data: Data
    var payload: [UInt8]

    static let protocolVersion = "1.5.2"

    init(type: String, data: [String: any Sendable] = [:], payload: [UInt8] = []) {
        self.type = type
        self.data = data.isEmpty ? Data() : (try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])) ?? Data()
        self.payload = payload
    }

    init(type: String, rawData: Data, payload: [UInt8]) {
        self.type = type
        self.data = rawData
        self.payload = payload
    }

    /// The data object, or empty.
    var object: [String: Any] {
        guard !data.isEmpty else { return [:] }
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }

    /// The bytes on the wire.
    var encoded: [UInt8] {
        var header: [String: Any] = ["type": type, "version": Self.protocolVersion]
        if !data.isEmpty { header["data_length"] = data.count }
        if !payload.isEmpty { header["payload_length"] = payload.count }
        let line = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data()
        return Array(line) + [0x0A] + Array(data) + payload
    }
}

/// Splits a byte stream into Wyoming events. Bounded: a header line over 64 KiB, data over 1 MiB or a payload
/// over 16 MiB is a protocol error, never an unbounded buffer.
struct WyomingEventDecoder {
    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    static let maximumHeader = 64 << 10
    static let maximumData = 1 << 20
    static let maximumPayload = 16 << 20

    private var buffer: [UInt8] = []
    private var pending: (type: String, headerData: [String: Any], dataLength: Int, payloadLength: Int)?

    mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete event, nil when more bytes are needed.
    mutating func next() throws(ProtocolError) -> WyomingEvent? {
        if pending == nil {
            guard let newline = buffer.firstIndex(of: 0x0A) else {
                if buffer.count > Self.maximumHeader { throw ProtocolError(description: "header line longer than 64 KiB") }
                return nil
            }
            let line = Data(buffer[..<newline])
            buffer.removeSubrange(...newline)
            pending = try Self.header(line)
        }
        guard let header = pending, buffer.count >= header.dataLength + header.payloadLength else { return nil }
        var merged = header.headerData
        if header.dataLength > 0 {
            let extra = (try? JSONSerialization.jsonObject(with: Data(buffer[..<header.dataLength]))) as? [String: Any]
            guard let extra else { throw ProtocolError(description: "the data of a '\(header.type)' event is not a JSON object") }
            merged.merge(extra) { _, new in new }
        }
        let payload = Array(buffer[header.dataLength..<(header.dataLength + header.payloadLength)])
        buffer.removeSubrange(..<(header.dataLength + header.payloadLength))
        pending = nil
        let data = merged.isEmpty ? Data() : (try? JSONSerialization.data(withJSONObject: merged, options: [.sortedKeys])) ?? Data()
        return WyomingEvent(type: header.type, rawData: data, payload: payload)
    }

    private static func header(_ line: Data) throws(ProtocolError)
        -> (type: String, headerData: [String: Any], dataLength: Int, payloadLength: Int)
    {
        let snippet = String(decoding: line.prefix(120), as: UTF8.self)
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
            throw ProtocolError(description: "header is not a JSON object: \(snippet)")
        }
        guard let type = object["type"] as? String else { throw ProtocolError(description: "header has no \"type\": \(snippet)") }
        func length(_ key: String, _ maximum: Int) throws(ProtocolError) -> Int {
            guard let raw = object[key] else { return 0 }
            guard let value = (raw as? NSNumber)?.intValue, value >= 0, !(raw is Bool) else {
                throw ProtocolError(description: "\(key) is not a non-negative integer: \(snippet)")
            }
            guard value <= maximum else { throw ProtocolError(description: "\(key) \(value) exceeds \(maximum) bytes") }
            return value
        }
        let dataLength = try length("data_length", maximumData)
        let payloadLength = try length("payload_length", maximumPayload)
        return (type, object["data"] as? [String: Any] ?? [:], dataLength, payloadLength)
    }
}

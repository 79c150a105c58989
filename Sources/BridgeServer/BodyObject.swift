public import Foundation
import Notifications

/// A request body read as one JSON object, field by field, for routes that must answer every hostile input
/// with a specific 400: not JSON → `invalid_json`; not an object, an unknown field, a wrong type, an empty or
/// overlong string, an unknown channel → `parameter_invalid` naming the field; a required field absent or null
/// → `parameter_missing`. Nothing is stored until the whole body has been read.
struct BodyObject {
    let fields: [String: JSONValue]

    /// An empty body is an empty object when `optional` (the test-send body is optional).
    init(_ data: Data, optional: Bool = false) throws(APIError) {
        if optional, data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            fields = [:]
            return
        }
        fields = try JSONBody.decode([String: JSONValue].self, from: data)
    }

    /// 400 on the first field not in `allowed` (sorted, so the answer is stable).
    func rejectUnknown(allowing allowed: Set<String>) throws(APIError) {
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalid(unknown, "Unknown parameter: \(unknown).")
        }
    }

    func has(_ key: String) -> Bool {
        if case .some(.null) = fields[key] { return false }
        return fields[key] != nil
    }

    /// A string field of 1…`maxLength` characters; nil when absent and not `required`.
    func string(_ key: String, required: Bool = false, maxLength: Int) throws(APIError) -> String? {
        switch fields[key] {
        case nil, .some(.null):
            if required { throw APIError.missing(key) }
            return nil
        case .some(.string(let value)):
            if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw APIError.invalid(key, "Parameter \(key) must not be empty.")
            }
            if value.count > maxLength {
                throw APIError.invalid(key, "Parameter \(key) must be at most \(maxLength) characters.")
            }
            return value
        default:
            throw APIError.invalid(key, "Parameter \(key) must be a string.")
        }
    }

    /// An event category: dot-separated lower-case words (`app.proactive`, `device.battery_low`).
    func category(_ key: String, required: Bool = false) throws(APIError) -> String? {
        guard let value = try string(key, required: required, maxLength: 100) else { return nil }
        guard Self.isCategory(value) else {
            throw APIError.invalid(
                key, "Parameter \(key) must be dot-separated lower-case words, digits and underscores (app.proactive).")
        }
        return value
    }

    static func isCategory(_ value: String) -> Bool {
        let words = value.split(separator: ".", omittingEmptySubsequences: false)
        return !words.isEmpty && value.utf8.count <= 100
            && words.allSatisfy { word in
                !word.isEmpty
                    && word.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
            }
    }

    /// An array of channel names; nil when absent. Each entry is named in errors (`force_channels.1`).
    func channels(_ key: String) throws(APIError) -> [ChannelName]? {
        switch fields[key] {
        case nil, .some(.null): return nil
        case .some(.array(let values)):
            var names: [ChannelName] = []
            for (index, value) in values.enumerated() {
                guard case .string(let text) = value, let name = ChannelName(rawValue: text) else {
                    throw APIError.invalid("\(key).\(index)", "Parameter \(key).\(index) must be one of \(Self.channelList).")
                }
                names.append(name)
            }
            return names
        default:
            throw APIError.invalid(key, "Parameter \(key) must be an array of channel names.")
        }
    }

    /// An array of 1…`maxLength`-character strings, at most `maxCount` of them; nil when absent.
    func strings(_ key: String, maxCount: Int, maxLength: Int) throws(APIError) -> [String]? {
        switch fields[key] {
        case nil, .some(.null): return nil
        case .some(.array(let values)):
            guard values.count <= maxCount else {
                throw APIError.invalid(key, "Parameter \(key) may list at most \(maxCount) entries.")
            }
            var strings: [String] = []
            for (index, value) in values.enumerated() {
                guard case .string(let text) = value, !text.isEmpty, text.count <= maxLength else {
                    throw APIError.invalid(
                        "\(key).\(index)", "Parameter \(key).\(index) must be a non-empty string of at most \(maxLength) characters.")
                }
                strings.append(text)
            }
            return strings
        default:
            throw APIError.invalid(key, "Parameter \(key) must be an array of strings.")
        }
    }

    static let channelList = ChannelName.allCases.map(\.rawValue).joined(separator: ", ")
}

import Foundation
import Yams

/// Configuration keys set from the environment (docs/configuration.md): `OMI_BRIDGE_<SECTION>__<KEY>`, with `__`
/// between the levels of the path and the value read as YAML (so `true`, `8765` and `[a, b]` keep their types):
/// `OMI_BRIDGE_SERVER__LISTEN=0.0.0.0:8765`, `OMI_BRIDGE_NOTIFICATIONS__CHANNELS__NTFY__TOPIC=alerts`. An override
/// wins over the file. Variables without `__` (the secrets' `OMI_BRIDGE_NTFY_TOKEN`, …) are not overrides.
struct EnvironmentOverrides {
    static let prefix = "OMI_BRIDGE_"

    /// (config path, variable name, value), sorted by variable name.
    var entries: [(path: [String], variable: String, value: Any)] = []

    init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix(Self.prefix) {
            let rest = name.dropFirst(Self.prefix.count)
            guard rest.contains("__") else { continue }
            let path = rest.components(separatedBy: "__").map { $0.lowercased() }
            // A value that is not YAML (an unbalanced bracket) is taken as the string it is.
            let value = ((try? Yams.load(yaml: text)) ?? nil) ?? text
            entries.append((path, name, value))
        }
    }

    var isEmpty: Bool { entries.isEmpty }

    /// The variable that set the key at `path` (`server.listen`), for problem messages.
    func variable(for problem: String) -> String? {
        entries.first { entry in
            let dotted = entry.path.joined(separator: ".")
            return problem.hasPrefix(dotted + ":") || problem.hasPrefix(dotted + ".") || problem.hasPrefix(dotted + "[")
        }?.variable
    }

    /// `top` with every override applied; a path through a value that is not a mapping is a problem.
    func applied(to top: [String: Any], _ values: inout ConfigValues) -> [String: Any] {
        var result = top
        for entry in entries {
            if entry.path.contains(where: \.isEmpty) {
                values.problem(entry.variable, "empty level in the variable name (use __ between levels)")
                continue
            }
            if !Self.set(entry.value, at: entry.path[...], in: &result) {
                values.problem(entry.path.joined(separator: "."), "cannot be set: a level above it is not a mapping (\(entry.variable))")
            }
        }
        return result
    }

    private static func set(_ value: Any, at path: ArraySlice<String>, in mapping: inout [String: Any]) -> Bool {
        guard let key = path.first else { return false }
        if path.count == 1 {
            mapping[key] = value
            return true
        }
        var child: [String: Any]
        switch mapping[key] {
        case nil: child = [:]
        case let existing as [String: Any]: child = existing
        default: return false
        }
        guard set(value, at: path.dropFirst(), in: &child) else { return false }
        mapping[key] = child
        return true
    }
}

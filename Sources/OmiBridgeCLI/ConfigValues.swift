/// Typed reads of YAML values for the configuration sections. Each read checks the value, and on a problem records
/// `path: what is wrong` and returns nil, so one pass reports every problem in the file.
struct ConfigValues {
    private(set) var problems: [String] = []

    mutating func problem(_ path: String, _ message: String) { problems.append("\(path): \(message)") }

    mutating func unknown(_ path: String) { problem(path, "unknown key") }

    mutating func mapping(_ raw: Any, _ path: String) -> [String: Any]? {
        guard let keys = raw as? [String: Any] else {
            problem(path, "must be a mapping")
            return nil
        }
        return keys
    }

    /// A string that `check` accepts (it returns the reason otherwise).
    mutating func string(_ raw: Any, _ path: String, _ check: (String) -> String? = { _ in nil }) -> String? {
        guard let s = raw as? String else {
            problem(path, "must be a string")
            return nil
        }
        if let reason = check(s) {
            problem(path, "'\(s)' is \(reason)")
            return nil
        }
        return s
    }

    /// One of `choices`.
    mutating func choice<T: RawRepresentable<String>>(_ raw: Any, _ path: String, _ type: T.Type, _ choices: String)
        -> T?
    {
        string(raw, path) { T(rawValue: $0) == nil ? "not one of \(choices)" : nil }.flatMap(T.init(rawValue:))
    }

    mutating func integer(_ raw: Any, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = raw as? Int, !(raw is Bool) else {
            problem(path, "must be an integer")
            return nil
        }
        guard range.contains(value) else {
            problem(path, "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return value
    }

    /// Seconds (integer or decimal) within `range`, as a Duration.
    mutating func seconds(_ raw: Any, _ path: String, in range: ClosedRange<Double>) -> Duration? {
        guard !(raw is Bool), let value = (raw as? Double) ?? (raw as? Int).map(Double.init) else {
            problem(path, "must be a number of seconds")
            return nil
        }
        guard range.contains(value) else {
            problem(path, "\(value) is outside \(range.lowerBound)…\(range.upperBound) seconds")
            return nil
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    mutating func bool(_ raw: Any, _ path: String) -> Bool? {
        guard let value = raw as? Bool else {
            problem(path, "must be true or false")
            return nil
        }
        return value
    }

    /// A list of strings; a single string is a list of one.
    mutating func strings(_ raw: Any, _ path: String) -> [String]? {
        if let one = raw as? String { return [one] }
        guard let list = raw as? [Any], let strings = list as? [String] else {
            problem(path, "must be a string or a list of strings")
            return nil
        }
        return strings
    }
}

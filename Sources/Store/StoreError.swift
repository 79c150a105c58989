/// A storage failure, naming the database file and what was being done ("opening …", "enqueuing a delivery").
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var doing: String
    public var reason: String

    public init(path: String, doing: String, reason: String) {
        self.path = path
        self.doing = doing
        self.reason = reason
    }

    public var description: String { "\(path): \(doing): \(reason)" }
}

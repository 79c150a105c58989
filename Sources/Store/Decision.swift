public import Foundation

/// One proactive-notification decision: what happened (`sent`, `rate_limited`, …) and the full record of why,
/// as a JSON document the store does not parse. Read back by `omi-bridge explain`.
public struct Decision: Sendable, Equatable, Identifiable {
    /// Increasing in recording order.
    public var id: Int64
    public var appID: String
    public var outcome: String
    /// The decision record, a JSON document, byte for byte as recorded.
    public var json: String
    public var createdAt: Date

    public init(id: Int64, appID: String, outcome: String, json: String, createdAt: Date) {
        self.id = id
        self.appID = appID
        self.outcome = outcome
        self.json = json
        self.createdAt = createdAt
    }
}

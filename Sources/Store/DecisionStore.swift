public import Foundation
import GRDB

/// The log of proactive-notification decisions, newest first, for explaining why an app did or did not notify.
public struct DecisionStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Records a decision.
    @discardableResult
    public func record(appID: String, outcome: String, json: String, now: Date) throws(StoreError) -> Decision {
        try database.write("recording a decision for \(appID)") { db in
            try db.execute(
                sql: "INSERT INTO decisions (app_id, created_at, outcome, record) VALUES (?, ?, ?, ?)",
                arguments: [appID, now.timeIntervalSince1970, outcome, json])
            return Decision(id: db.lastInsertedRowID, appID: appID, outcome: outcome, json: json, createdAt: now)
        }
    }

    /// The most recent decisions, newest first, for one app or all, at most `limit`.
    public func recent(appID: String? = nil, limit: Int) throws(StoreError) -> [Decision] {
        try database.read("listing decisions") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM decisions WHERE (? IS NULL OR app_id = ?) ORDER BY id DESC LIMIT ?",
                arguments: [appID, appID, max(limit, 0)]
            ).map { row in
                Decision(
                    id: row["id"], appID: row["app_id"], outcome: row["outcome"], json: row["record"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }
}

extension BridgeDatabase {
    /// Proactive-notification decisions in this database.
    public var decisions: DecisionStore { DecisionStore(self) }
}

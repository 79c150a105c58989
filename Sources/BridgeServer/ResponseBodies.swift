import Foundation
import Store

/// `{"data":[…],"total":N}`
struct ListBody<Item: Encodable>: Encodable {
    var data: [Item]
    var total: Int
}

/// One page: `{"data":[…],"total":N,"offset":O,"limit":L}` (`total` counts every match, not just this page).
struct PageBody<Item: Encodable>: Encodable {
    var data: [Item]
    var total: Int
    var offset: Int
    var limit: Int
}

/// `{"data":[…]}`
struct DataBody<Item: Encodable>: Encodable {
    var data: [Item]
}

/// `{"success":true}`
struct SuccessBody: Encodable {
    var success = true
}

/// A fact: `{id, text, source, locked, created_at}`.
struct FactBody: Encodable {
    var id: String
    var text: String
    var source: String
    var locked: Bool
    var createdAt: Date

    init(_ fact: Fact) {
        id = fact.id
        text = fact.text
        source = fact.source.rawValue
        locked = fact.locked
        createdAt = fact.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, text, source, locked
        case createdAt = "created_at"
    }
}

/// A decision: `{id, app_id, outcome, created_at, decision}`; `decision` is the stored record parsed, or null
/// if the stored text is not JSON.
struct DecisionBody: Encodable {
    var id: Int64
    var appID: String
    var outcome: String
    var createdAt: Date
    var decision: JSONValue

    init(_ decision: Decision) {
        id = decision.id
        appID = decision.appID
        outcome = decision.outcome
        createdAt = decision.createdAt
        self.decision = (try? JSONDecoder().decode(JSONValue.self, from: Data(decision.json.utf8))) ?? .null
    }

    enum CodingKeys: String, CodingKey {
        case id, outcome, decision
        case appID = "app_id"
        case createdAt = "created_at"
    }
}

/// An API key without its hash: `{id, name, role, created_at, revoked_at|null}`.
struct APIKeyBody: Encodable {
    var id: String
    var name: String
    var role: String
    var createdAt: Date
    var revokedAt: Date?

    init(_ key: APIKey) {
        id = key.id
        name = key.name
        role = key.role.rawValue
        createdAt = key.createdAt
        revokedAt = key.revokedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(revokedAt, forKey: .revokedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

import Foundation
import Hummingbird
import Store

/// `/v1/facts`: the user's facts. List, add (source `user`), delete (idempotent).
struct FactsRoutes: Sendable {
    /// The longest fact accepted, in characters.
    static let maxTextLength = 10_000

    let facts: FactStore
    let now: @Sendable () -> Date

    func register(on group: RouterGroup<BridgeRequestContext>) {
        group.get { _, _ in
            let all = try facts.list().map(FactBody.init)
            return try JSONResponse.make(ListBody(data: all, total: all.count))
        }
        group.post { request, context in
            let body = try await JSONBody.decode(NewFact.self, from: request, context: context)
            if body.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw APIError.invalid("text", "Parameter text must not be empty.")
            }
            if body.text.count > Self.maxTextLength {
                throw APIError.invalid("text", "Parameter text must be at most 10,000 characters.")
            }
            let fact = try facts.add(text: body.text, source: .user, now: now())
            return try JSONResponse.make(FactBody(fact), status: .created)
        }
        group.delete("{id}") { _, context in
            try facts.delete(id: context.parameters.require("id"))
            return try JSONResponse.make(SuccessBody())
        }
    }

    struct NewFact: Decodable {
        var text: String
    }
}

/// `/v1/decisions`: recent proactive-notification decisions, newest first ("why didn't it fire").
struct DecisionsRoutes: Sendable {
    static let limits = 1...200
    static let defaultLimit = 20

    let decisions: DecisionStore

    func register(on group: RouterGroup<BridgeRequestContext>) {
        group.get { request, _ in
            let query = request.uri.queryParameters
            var limit = Self.defaultLimit
            if let text = query.get("limit") {
                guard let value = Int(text), Self.limits.contains(value) else {
                    throw APIError.invalid("limit", "Parameter limit must be an integer from 1 to 200.")
                }
                limit = value
            }
            let appID = query.get("app_id").flatMap { $0.isEmpty ? nil : $0 }
            let recent = try decisions.recent(appID: appID, limit: limit).map(DecisionBody.init)
            return try JSONResponse.make(DataBody(data: recent))
        }
    }
}

/// `/v1/api-keys` (admin only): the keys, without their hashes.
struct APIKeysRoutes: Sendable {
    let keys: APIKeyStore

    func register(on group: RouterGroup<BridgeRequestContext>) {
        group.get { _, context in
            try context.requireAdmin()
            return try JSONResponse.make(DataBody(data: try keys.list().map(APIKeyBody.init)))
        }
    }
}

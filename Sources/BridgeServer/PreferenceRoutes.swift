import Foundation
import Hummingbird
import Notifications
import Store

/// `/v1/notifications/preferences` (omi-contract §7): a boolean per (category × channel). The bridge-wide
/// defaults (`scope=tenant`, admin keys only for PUT, else 403) and the caller's overrides (`/me`); `GET
/// ?scope=all` merges the overrides over the defaults. PUT is partial — only the channels named change, and a
/// new category is created — and names its category (`category`, else 400); channels come either as an object
/// (`{"category":…, "channels":{"desktop":false}}`) or as top-level fields (`{"category":…, "desktop":false}`).
struct PreferenceRoutes: Sendable {
    let preferences: PreferenceStore
    let policy: NotificationPolicy
    let userID: String
    let now: @Sendable () -> Date

    func register(on group: RouterGroup<BridgeRequestContext>) {
        group.get { request, _ in
            switch request.uri.queryParameters.get("scope") {
            case nil, "tenant":
                let tenant = try preferences.preferences(scope: .tenant)
                return try JSONResponse.make(PreferencesBody(scope: "tenant", preferences: filled(tenant)))
            case "all":
                let (tenant, user) = try preferences.preferences(tenantAndUser: userID)
                return try JSONResponse.make(
                    PreferencesBody(scope: "all", preferences: policy.merged(tenant: tenant, user: user)))
            default:
                throw APIError.invalid("scope", "Parameter scope must be tenant or all.")
            }
        }
        group.put { request, context in
            try context.requireAdmin()
            var (category, changes) = try await Self.update(from: request, context: context)
            // A new category is created whole, so it shows in GET even when the body named no channel.
            if try preferences.preferences(scope: .tenant, category: category).isEmpty {
                for name in ChannelName.allCases where changes[name.rawValue] == nil {
                    changes[name.rawValue] = policy.defaultEnabled
                }
            }
            let stored = try preferences.update(scope: .tenant, category: category, changes: changes, now: now())
            return try JSONResponse.make(
                CategoryPreferencesBody(
                    scope: "tenant", category: category, channels: filled([category: stored])[category] ?? [:]))
        }
        group.get("me") { _, _ in
            try JSONResponse.make(PreferencesBody(scope: "me", preferences: try preferences.preferences(scope: .user(userID))))
        }
        group.put("me") { request, context in
            let (category, changes) = try await Self.update(from: request, context: context)
            try preferences.update(scope: .user(userID), category: category, changes: changes, now: now())
            let (tenant, user) = try preferences.preferences(tenantAndUser: userID)
            let merged = policy.merged(tenant: tenant, user: user)
            return try JSONResponse.make(
                CategoryPreferencesBody(scope: "me", category: category, channels: merged[category] ?? [:]))
        }
    }

    /// Every channel of every category, unset ones at the policy's default.
    private func filled(_ scope: [String: [String: Bool]]) -> [String: [String: Bool]] {
        policy.merged(tenant: scope, user: [:])
    }

    /// The category and the channel changes of a PUT body, validated before anything is written.
    static func update(
        from request: Request, context: BridgeRequestContext
    ) async throws -> (String, [String: Bool]) {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let body = try BodyObject(Data(buffer.readableBytesView))
        let channelNames = Set(ChannelName.allCases.map(\.rawValue))
        try body.rejectUnknown(allowing: channelNames.union(["category", "channels"]))
        guard let category = try body.category("category", required: true) else { throw APIError.missing("category") }
        var changes: [String: Bool] = [:]
        func take(_ key: String, _ value: JSONValue, param: String) throws(APIError) {
            guard channelNames.contains(key) else {
                throw APIError.invalid(param, "Unknown channel \(key); channels are \(BodyObject.channelList).")
            }
            guard case .bool(let enabled) = value else {
                throw APIError.invalid(param, "Parameter \(param) must be a boolean.")
            }
            changes[key] = enabled
        }
        switch body.fields["channels"] {
        case nil, .some(.null): break
        case .some(.object(let object)):
            for key in object.keys.sorted() { try take(key, object[key]!, param: "channels.\(key)") }
        default:
            throw APIError.invalid("channels", "Parameter channels must be an object of channel names to booleans.")
        }
        for key in body.fields.keys.sorted() where channelNames.contains(key) {
            try take(key, body.fields[key]!, param: key)
        }
        return (category, changes)
    }
}

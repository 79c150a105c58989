import BridgeServer
import BridgeTesting
import Foundation
import Hummingbird
import Notifications
import OmiApps
import Store
import Testing

/// Preferences (omi-contract §7): bridge-wide defaults (admin), the caller's overrides (`/me`), `scope=all`.
@Suite("/v1/notifications/preferences")
struct PreferenceRouteTests {
    @Test("PUT is partial and creates the category; members get 403 on the bridge-wide defaults; scope=all merges")
    func preferences() async throws {
        let harness = try ServerHarness()
        let path = "/v1/notifications/preferences"
        try await harness.run { client in
            #expect(try await client.send(.get, path, key: harness.memberKey).text == #"{"preferences":{},"scope":"tenant"}"#)
            let member = try await client.send(.put, path, key: harness.memberKey, body: #"{"category":"app.proactive","desktop":false}"#)
            #expect(try member.status == 403 && member.envelope().type == "forbidden")
            #expect(try harness.database.preferences.preferences(scope: .tenant).isEmpty)

            let first = try await client.send(
                .put, path, key: harness.adminKey, body: #"{"category":"app.proactive","channels":{"desktop":false,"email":false}}"#)
            #expect(first.status == 200)
            let second = try await client.send(.put, path, key: harness.adminKey, body: #"{"category":"app.proactive","email":true}"#)
            let channels = try #require(try second.object()["channels"] as? [String: Bool])
            #expect(channels["desktop"] == false && channels["email"] == true && channels["ntfy"] == true)
            #expect(channels.count == ChannelName.allCases.count)
            let stored = try #require(try harness.database.preferences.preferences(scope: .tenant)["app.proactive"])
            #expect(stored["desktop"] == false && stored["email"] == true && stored["ntfy"] == true)

            let mine = try await client.send(.put, path + "/me", key: harness.memberKey, body: #"{"category":"app.proactive","desktop":true}"#)
            #expect(mine.status == 200)
            #expect(try await client.send(.get, path + "/me", key: harness.memberKey).text
                == #"{"preferences":{"app.proactive":{"desktop":true}},"scope":"me"}"#)
            let all = try await client.send(.get, path + "?scope=all", key: harness.memberKey).object()
            let merged = try #require((all["preferences"] as? [String: [String: Bool]])?["app.proactive"])
            #expect(merged["desktop"] == true && merged["email"] == true && merged["in_app"] == true)
            let created = try await client.send(.put, path, key: harness.adminKey, body: #"{"category":"conversation.created"}"#)
            #expect(created.status == 200)
            #expect(try harness.database.preferences.preferences(scope: .tenant)["conversation.created"]?.count == ChannelName.allCases.count)
            let tenant = try await client.send(.get, path + "?scope=tenant", key: harness.memberKey).object()
            #expect((tenant["preferences"] as? [String: Any])?["conversation.created"] != nil)
            #expect((tenant["preferences"] as? [String: [String: Bool]])?["app.proactive"]?["desktop"] == false)
        }
    }

    @Test("Bad preference bodies: missing category 400, unknown channel, wrong types, bad scope; nothing written")
    func errors() async throws {
        let harness = try ServerHarness()
        let path = "/v1/notifications/preferences"
        let cases: [(String, String, String?)] = [
            (#"{"desktop":false}"#, "parameter_missing", "category"),
            (#"{"category":null,"desktop":false}"#, "parameter_missing", "category"),
            (#"{"category":"app.proactive","pager":true}"#, "parameter_invalid", "pager"),
            (#"{"category":"app.proactive","channels":{"pager":true}}"#, "parameter_invalid", "channels.pager"),
            (#"{"category":"app.proactive","desktop":"no"}"#, "parameter_invalid", "desktop"),
            (#"{"category":"app.proactive","desktop":1}"#, "parameter_invalid", "desktop"),
            (#"{"category":"app.proactive","channels":[true]}"#, "parameter_invalid", "channels"),
            (#"{"category":"Robert'); DROP TABLE notification_preferences;--","desktop":true}"#, "parameter_invalid", "category"),
            ("not json", "invalid_json", nil),
        ]
        try await harness.run { client in
            for (body, code, param) in cases {
                for route in [path, path + "/me"] {
                    let reply = try await client.send(.put, route, key: harness.adminKey, body: body)
                    #expect(reply.status == 400, "\(route) \(body)")
                    #expect(try reply.envelope().code == code && reply.envelope().param == param, "\(route) \(body)")
                }
            }
            let scope = try await client.send(.get, path + "?scope=everyone", key: harness.memberKey)
            #expect(try scope.status == 400 && scope.envelope().param == "scope")
            #expect(try await client.send(.put, path, body: #"{"category":"a"}"#).status == 401)
            #expect(try harness.database.preferences.preferences(scope: .tenant).isEmpty)
            #expect(try harness.database.preferences.preferences(scope: .user("local-user")).isEmpty)
        }
    }
}

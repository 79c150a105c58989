import BridgeServer
import Foundation
import Hummingbird
import HummingbirdTesting
import OmiApps
import Store
import Testing

@Suite("/v1/notifications: the feed (omi-contract §7)")
struct FeedRouteTests {
    @Test("List newest first with total; pagination edges; read, read-all, delete, delete-read are idempotent and scoped")
    func feed() async throws {
        let database = try BridgeDatabase.inMemory()
        let key = try database.apiKeys.create(name: "m", role: .member, now: fixedNow).key
        var ids: [String] = []
        for i in 0..<3 {
            ids.append(
                try database.feed.insert(
                    userID: "u_7Kq2", appID: "app_123", eventCategory: "app.message", title: "Coach", message: "m\(i)",
                    metadata: #"{"n": \#(i)}"#, now: fixedNow.addingTimeInterval(Double(i))
                ).id)
        }
        let idList = ids
        let theirs = try database.feed.insert(
            userID: "someone", appID: nil, eventCategory: "device.battery_low", title: "Battery", message: "low", now: fixedNow)
        let app = BridgeServer.makeApplication(
            database: database, configuration: .init(host: "127.0.0.1", port: 0), now: { fixedNow },
            direct: DirectNotifications(apps: [], userID: "u_7Kq2", delivery: Delivered()))
        try await app.test(.live) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, auth: Bool = true) async throws -> (Int, [String: Any]) {
                var headers = HTTPFields()
                if auth { headers[.authorization] = "Bearer \(key)" }
                let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: nil)
                let object = (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any]
                return (Int(response.status.code), object ?? [:])
            }
            func messages(_ page: [String: Any]) -> [String] {
                (page["data"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            }
            let (status, page) = try await send(.get, "/v1/notifications")
            #expect(status == 200 && messages(page) == ["m2", "m1", "m0"])  // newest first, only this user's
            #expect(page["total"] as? Int == 3 && page["offset"] as? Int == 0 && page["limit"] as? Int == 50)
            let first = try #require((page["data"] as? [[String: Any]])?.first)
            #expect(first["user_id"] as? String == "u_7Kq2" && first["event_category"] as? String == "app.message")
            #expect(first["is_read"] as? Bool == false && (first["metadata"] as? [String: Any])?["n"] as? Int == 2)
            #expect(first["subtitle"] is NSNull && first["created_at"] as? String != nil)

            #expect(try await send(.get, "/v1/notifications?limit=0").1["total"] as? Int == 3)
            #expect(messages(try await send(.get, "/v1/notifications?limit=0").1).isEmpty)
            #expect(messages(try await send(.get, "/v1/notifications?offset=999999").1).isEmpty)
            #expect(messages(try await send(.get, "/v1/notifications?limit=1&offset=1").1) == ["m1"])
            for bad in ["limit=-1", "offset=-5", "limit=abc", "limit=1001", "unread_only=maybe"] {
                let (code, body) = try await send(.get, "/v1/notifications?\(bad)")
                let error = body["error"] as? [String: Any]
                #expect(code == 400 && error?["code"] as? String == "parameter_invalid", "\(bad)")
                #expect(error?["param"] as? String == String(bad.prefix { $0 != "=" }))
            }
            #expect(try await send(.get, "/v1/notifications", auth: false).0 == 401)

            // Mark one read, twice, and an unknown id: all 200.
            for id in [idList[0], idList[0], "no-such-id", theirs.id] {
                let (code, body) = try await send(.post, "/v1/notifications/\(id)/read")
                #expect(code == 200 && body["success"] as? Bool == true)
            }
            #expect(messages(try await send(.get, "/v1/notifications?unread_only=true").1) == ["m2", "m1"])
            #expect(try database.feed.item(id: theirs.id, userID: "someone")?.isRead == false)  // not the caller's
            // Delete the read ones: the unread stay.
            #expect(try await send(.delete, "/v1/notifications/read").0 == 200)
            #expect(messages(try await send(.get, "/v1/notifications").1) == ["m2", "m1"])
            // Read all, delete one (twice), delete the read ones.
            #expect(try await send(.post, "/v1/notifications/read-all").0 == 200)
            #expect(messages(try await send(.get, "/v1/notifications?unread_only=true").1).isEmpty)
            for _ in 0..<2 { #expect(try await send(.delete, "/v1/notifications/\(idList[2])").0 == 200) }
            #expect(messages(try await send(.get, "/v1/notifications").1) == ["m1"])
            #expect(try await send(.delete, "/v1/notifications/read").0 == 200)
            #expect(try await send(.get, "/v1/notifications").1["total"] as? Int == 0)
        }
        #expect(try database.feed.list(userID: "someone").total == 1)
    }
}

import BridgeServer
import BridgeTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OmiApps
import Store
import Synchronization
import Testing

/// Notifications the route delivered.
final class Delivered: NotificationDelivery {
    let items = Mutex<[BridgeNotification]>([])
    func deliver(_ notification: BridgeNotification) async { items.withLock { $0.append(notification) } }
}

/// 2025-05-02 14:31:00 UTC: contract §9 D's instant (1740 s to the next hour).
private let at1431 = Date(timeIntervalSince1970: 1_746_196_260)

struct Reply {
    var status: Int
    var text: String
    var headers: HTTPFields
    var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] }
    var limitHeaders: [String?] {
        ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"].map { headers[HTTPField.Name($0)!] }
    }
}

@Suite("Direct notifications, Omi-compatible (omi-contract §5)")
struct DirectNotificationTests {
    let database: BridgeDatabase
    let configKey = "sk_" + String(repeating: "ab", count: 16)
    let tableKey: String
    let orphanKey: String
    let delivered = Delivered()
    let apps: [AppManifest]

    init() throws {
        database = try BridgeDatabase.inMemory()
        tableKey = try database.appKeys.create(appID: "app_123", now: at1431).key
        orphanKey = try database.appKeys.create(appID: "gone", now: at1431).key  // an app no longer configured
        apps = [
            AppManifest(id: "app_123", name: "Meeting Coach", apiKeyHashes: [AppKeyStore.hash(configKey)]),
            AppManifest(id: "off", name: "Disabled", enabled: false),
        ]
    }

    private func run(
        mode: DirectNotificationLimiter.Mode = .upstream, now: TestNow = TestNow(at1431),
        _ body: @Sendable (_ send: @Sendable (String, String?) async throws -> Reply) async throws -> Void
    ) async throws {
        let app = BridgeServer.makeApplication(
            database: database, configuration: .init(host: "127.0.0.1", port: 0), now: now.closure,
            direct: DirectNotifications(apps: apps, userID: "u_7Kq2", delivery: delivered, mode: mode))
        try await app.test(.live) { client in
            try await body { uri, authorization in
                var headers = HTTPFields()
                if let authorization { headers[.authorization] = authorization }
                let response = try await client.executeRequest(uri: uri, method: .post, headers: headers, body: nil)
                return Reply(status: Int(response.status.code), text: String(buffer: response.body), headers: response.headers)
            }
        }
    }

    @Test("Every row of the table, in order of precedence, with the exact bodies; limit headers only on 200/429")
    func precedence() async throws {
        let configKey = configKey, tableKey = tableKey, orphanKey = orphanKey
        try await run { send in
            let path = "/v2/integrations/app_123/notification"
            // 1. Missing parameters come first, even without a key: one entry each.
            let none = try await send(path, nil)
            #expect(none.status == 422)
            #expect(none.object?["detail"] as? [[String: NSObject]] == [
                ["type": "missing" as NSString, "loc": ["query", "uid"] as NSArray, "msg": "Field required" as NSString, "input": NSNull()],
                ["type": "missing" as NSString, "loc": ["query", "message"] as NSArray, "msg": "Field required" as NSString, "input": NSNull()],
            ])
            #expect(none.limitHeaders == [nil, nil, nil])
            let noMessage = try await send(path + "?uid=u_7Kq2", "Bearer \(configKey)")
            #expect(noMessage.status == 422 && (noMessage.object?["detail"] as? [Any])?.count == 1)
            // 2. No Bearer header.
            for authorization in [nil, "Basic abc", "bearer \(configKey)"] {
                let r = try await send(path + "?uid=u_7Kq2&message=hi", authorization)
                #expect(r.status == 401)
                #expect(r.text == #"{"detail":"Missing or invalid Authorization header. Must be 'Bearer API_KEY'"}"#)
                #expect(r.limitHeaders == [nil, nil, nil])
            }
            // 3. A key, but not this app's.
            for key in ["sk_" + String(repeating: "0", count: 32), orphanKey, "nonsense"] {
                let r = try await send(path + "?uid=u_7Kq2&message=hi", "Bearer \(key)")
                #expect(r.status == 403 && r.text == #"{"detail":"Invalid API key"}"#)
            }
            // 4. The key is the app's, but the app is not (any more) here.
            let gone = try await send("/v2/integrations/gone/notification?uid=u_7Kq2&message=hi", "Bearer \(orphanKey)")
            #expect(gone.status == 404 && gone.text == #"{"detail":"App not found"}"#)
            // 5. Another user.
            let other = try await send(path + "?uid=someone&message=hi", "Bearer \(tableKey)")
            #expect(other.status == 403 && other.text == #"{"detail":"User does not have this app installed"}"#)
            // 7. Sent: with a key from the manifest's hashes and one from `keys create`.
            let sent = try await send(path + "?uid=u_7Kq2&message=Deck%20due%20Friday", "Bearer \(configKey)")
            #expect(sent.status == 200 && sent.text == #"{"status":"Ok"}"#)
            #expect(sent.limitHeaders == ["10", "8", "1740"])
            let again = try await send(path + "?uid=u_7Kq2&message=again", "Bearer \(tableKey)")
            #expect(again.status == 200 && again.limitHeaders == ["10", "7", "1740"])
        }
        let items = delivered.items.withLock { $0 }
        #expect(items.map(\.category) == ["app.direct", "app.direct"])
        #expect(items.first?.title == "Meeting Coach says" && items.first?.body == "Deck due Friday")
        #expect(items.first?.userID == "u_7Kq2" && items.first?.appID == "app_123")
    }

    @Test("The 9/10 boundary in both modes (§9 D), and the next UTC hour starts afresh", arguments: [
        (DirectNotificationLimiter.Mode.upstream, 9), (.corrected, 10),
    ])
    func rateLimit(mode: DirectNotificationLimiter.Mode, allowed: Int) async throws {
        let key = configKey
        let now = TestNow(at1431)
        try await run(mode: mode, now: now) { send in
            let uri = "/v2/integrations/app_123/notification?uid=u_7Kq2&message=hi"
            for i in 1...allowed {
                let r = try await send(uri, "Bearer \(key)")
                #expect(r.status == 200 && r.limitHeaders == ["10", "\(allowed - i)", "1740"], "call \(i)")
            }
            let refused = try await send(uri, "Bearer \(key)")
            #expect(refused.status == 429)
            #expect(refused.text == #"{"detail":"Rate limit exceeded. Maximum 10 notifications per hour."}"#)
            #expect(refused.limitHeaders == ["10", "0", "1740"] && refused.headers[.retryAfter] == "1740")
            now.set(Date(timeIntervalSince1970: 1_746_198_000 - 1))  // 14:59:59: still the same hour
            #expect(try await send(uri, "Bearer \(key)").status == 429)
            now.set(Date(timeIntervalSince1970: 1_746_198_000))  // 15:00:00
            let fresh = try await send(uri, "Bearer \(key)")
            #expect(fresh.status == 200 && fresh.limitHeaders == ["10", "\(allowed - 1)", "3600"])
        }
        #expect(delivered.items.withLock { $0.count } == allowed + 1)
    }
}

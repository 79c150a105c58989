import BridgeServer
import Foundation
import Hummingbird
import OmiApps
import Store
import Testing
import Yams

/// docs/openapi.yaml names exactly the routes the server registers (method and path), and they do not clash.
@Suite("docs/openapi.yaml")
struct OpenAPITests {
    @Test("Every route of the router is documented, and every documented route exists")
    func routesMatch() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/openapi.yaml").standardizedFileURL
        let text = try String(contentsOf: file, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set = ["get", "put", "post", "delete", "patch", "head", "options"]
        let documented = Set(
            paths.flatMap { path, operations in
                operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
            })
        let router = BridgeServer.makeRouter(
            database: try BridgeDatabase.inMemory(),
            direct: DirectNotifications(apps: [], userID: "u", delivery: Discard()))
        try router.validate()
        let served = Set(router.routes.map { "\($0.method) \(Self.openAPIPath("\($0.path)"))" })
        #expect(served.count > 10)
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }

    /// `/v1/facts/:id` or `/v1/facts/{id}` as OpenAPI writes it, `/v1/facts/{id}`.
    static func openAPIPath(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }
        let joined = parts.joined(separator: "/")
        return joined.hasPrefix("/") ? joined : "/" + joined
    }

    struct Discard: NotificationDelivery {
        func deliver(_ notification: BridgeNotification) async {}
    }
}

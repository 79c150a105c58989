import Foundation
import GRDB
import Testing

@testable import Store

@Suite("Notification preferences")
struct PreferenceStoreTests {
    @Test("A scope with nothing set has no preferences and no categories")
    func empty() throws {
        let preferences = try BridgeDatabase.inMemory().preferences
        #expect(try preferences.preferences(scope: .tenant).isEmpty)
        #expect(try preferences.preferences(scope: .user("u1"), category: "app.message").isEmpty)
        #expect(try preferences.categories(scope: .tenant).isEmpty)
    }

    @Test("An update creates a missing category and returns its channels")
    func createsCategory() throws {
        let preferences = try BridgeDatabase.inMemory().preferences
        let channels = try preferences.update(
            scope: .tenant, category: "app.proactive", changes: ["desktop": true, "email": false], now: instant())
        #expect(channels == ["desktop": true, "email": false])
        #expect(try preferences.preferences(scope: .tenant) == ["app.proactive": ["desktop": true, "email": false]])
        #expect(try preferences.categories(scope: .tenant) == ["app.proactive"])
    }

    @Test("A partial update changes only the channels given; the others keep their value and their date")
    func partialUpdate() throws {
        let database = try BridgeDatabase.inMemory()
        let preferences = database.preferences
        try preferences.update(
            scope: .tenant, category: "app.message", changes: ["desktop": true, "email": true, "sms": false],
            now: instant(1))
        try preferences.update(
            scope: .tenant, category: "device.battery_low", changes: ["desktop": true], now: instant(1))
        let after = try preferences.update(
            scope: .tenant, category: "app.message", changes: ["email": false, "webhook": true], now: instant(2))
        #expect(after == ["desktop": true, "email": false, "sms": false, "webhook": true])
        #expect(try preferences.preferences(scope: .tenant, category: "device.battery_low") == ["desktop": true])
        let dates = try database.read("test") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT channel, updated_at FROM notification_preferences
                    WHERE scope = 'tenant' AND category = 'app.message' ORDER BY channel
                    """
            ).map { ($0["channel"] as String, $0["updated_at"] as Double) }
        }
        #expect(dates.map(\.0) == ["desktop", "email", "sms", "webhook"])
        #expect(dates.map(\.1) == [instant(1), instant(2), instant(1), instant(2)].map(\.timeIntervalSince1970))
        // Setting a channel to the value it already has is still an update, not a duplicate row.
        #expect(
            try preferences.update(scope: .tenant, category: "app.message", changes: ["desktop": true], now: instant(3))
                == after)
    }

    @Test("Empty changes change nothing and do not create the category")
    func emptyChanges() throws {
        let preferences = try BridgeDatabase.inMemory().preferences
        #expect(try preferences.update(scope: .tenant, category: "app.direct", changes: [:], now: instant()).isEmpty)
        #expect(try preferences.categories(scope: .tenant).isEmpty)
    }

    @Test("Bridge-wide defaults and each user's overrides are independent, even for a user called tenant")
    func scopesAreIndependent() throws {
        let preferences = try BridgeDatabase.inMemory().preferences
        try preferences.update(scope: .tenant, category: "app.message", changes: ["desktop": true], now: instant())
        try preferences.update(scope: .user("u1"), category: "app.message", changes: ["desktop": false], now: instant())
        try preferences.update(
            scope: .user("u2"), category: "conversation.created", changes: ["email": true], now: instant())
        try preferences.update(scope: .user("tenant"), category: "app.message", changes: ["sms": true], now: instant())
        #expect(try preferences.preferences(scope: .tenant) == ["app.message": ["desktop": true]])
        #expect(try preferences.preferences(scope: .user("u1")) == ["app.message": ["desktop": false]])
        #expect(try preferences.preferences(scope: .user("u2")) == ["conversation.created": ["email": true]])
        #expect(try preferences.preferences(scope: .user("tenant")) == ["app.message": ["sms": true]])
        #expect(try preferences.preferences(scope: .user("u3")).isEmpty)
        #expect(PreferenceScope.tenant.description == "tenant")
        #expect(PreferenceScope.user("u1").description == "user:u1")

        #expect(try preferences.delete(scope: .user("u1"), category: "app.message"))
        #expect(try preferences.preferences(scope: .user("u1")).isEmpty)
        #expect(try preferences.preferences(scope: .tenant) == ["app.message": ["desktop": true]])
    }

    @Test("Deleting a category removes all its channels and nothing else; deleting it again reports false")
    func delete() throws {
        let preferences = try BridgeDatabase.inMemory().preferences
        try preferences.update(
            scope: .tenant, category: "a", changes: ["desktop": true, "email": true], now: instant())
        try preferences.update(scope: .tenant, category: "b", changes: ["desktop": false], now: instant())
        #expect(try preferences.delete(scope: .tenant, category: "a"))
        #expect(try !preferences.delete(scope: .tenant, category: "a"))
        #expect(try !preferences.delete(scope: .tenant, category: "never"))
        #expect(try preferences.preferences(scope: .tenant) == ["b": ["desktop": false]])
    }

    @Test(
        "Category names with unicode and SQL metacharacters are stored and read back byte for byte",
        arguments: [
            "app.proactive'; DROP TABLE notification_preferences; --", "通知.提醒 🔔", "50%_off", #"quote"double"#,
            #"back\slash"#, "e\u{301}t\u{e9}", "line\nbreak", " padded ",
        ])
    func verbatimCategories(category: String) throws {
        let database = try BridgeDatabase.inMemory()
        let preferences = database.preferences
        try preferences.update(scope: .user("u'1"), category: category, changes: ["desktop": true], now: instant())
        try preferences.update(scope: .user("u'1"), category: "plain", changes: ["desktop": false], now: instant())
        let stored = try database.read("test") { db in
            try String.fetchAll(db, sql: "SELECT category FROM notification_preferences WHERE category <> 'plain'")
        }
        // Swift's == compares canonically (é == e + U+0301): the bytes are what must match.
        #expect(stored.map { Array($0.utf8) } == [Array(category.utf8)])
        #expect(try preferences.categories(scope: .user("u'1")).contains { Array($0.utf8) == Array(category.utf8) })
        #expect(try preferences.preferences(scope: .user("u'1"), category: category) == ["desktop": true])
        #expect(try preferences.preferences(scope: .user("u'1"), category: "plain") == ["desktop": false])
        #expect(try preferences.preferences(scope: .user("u1")).isEmpty)
        #expect(try preferences.delete(scope: .user("u'1"), category: category))
        #expect(try preferences.categories(scope: .user("u'1")) == ["plain"])
    }

    @Test("Preferences survive closing and reopening a file database")
    func survivesReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("bridge.sqlite")
        do {
            let preferences = try BridgeDatabase(path: path).preferences
            try preferences.update(scope: .tenant, category: "app.message", changes: ["email": false], now: instant())
        }
        #expect(
            try BridgeDatabase(path: path).preferences.preferences(scope: .tenant) == ["app.message": ["email": false]])
    }

    @Test("One read gives the bridge-wide preferences and exactly one user's overrides")
    func tenantAndUser() throws {
        let database = try BridgeDatabase.inMemory()
        let at = Date(timeIntervalSince1970: 1_750_000_000)
        try database.preferences.update(scope: .tenant, category: "app.message", changes: ["email": false], now: at)
        try database.preferences.update(scope: .user("u1"), category: "app.message", changes: ["email": true], now: at)
        try database.preferences.update(scope: .user("u2"), category: "device.battery_low", changes: ["desktop": false], now: at)
        try database.preferences.update(scope: .user("tenant"), category: "x", changes: ["sms": true], now: at)
        let (tenant, user) = try database.preferences.preferences(tenantAndUser: "u1")
        #expect(tenant == ["app.message": ["email": false]])
        #expect(user == ["app.message": ["email": true]])
        let named = try database.preferences.preferences(tenantAndUser: "tenant")
        #expect(named.tenant == ["app.message": ["email": false]] && named.user == ["x": ["sms": true]])
    }
}

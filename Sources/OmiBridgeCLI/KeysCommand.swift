import ArgumentParser
import Foundation
import Store

/// `omi-bridge keys`: an Omi app's own keys for the direct-notification API (`POST /v2/integrations/{app_id}/
/// notification`, omi-contract §5). A key (`sk_` + 32 hex) is printed once; only its SHA-256 is kept. Keys listed
/// as `api_key_hashes` in the app's manifest work too.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke an Omi app's direct-notification keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key for the app and print it this one time.")
        @Option(name: .long, help: "The app's id (apps[].id in the configuration).") var app: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let settings = try BridgeSettings.load(store.config)
            guard settings.apps.apps.contains(where: { $0.id == app }) else {
                throw CLIFailure("no app '\(app)' in the configuration (apps[].id)", exitCode: 2)
            }
            guard let database = try store.database(create: true).0 else { return }
            let (key, record) = try storing { () throws(StoreError) in
                try database.appKeys.create(appID: app, now: Date())
            }
            print(key)
            FileHandle.standardError.write(Data("created key \(record.id) for app \(app); it is not shown again\n".utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an app's keys (never the keys themselves).")
        @Option(name: .long, help: "The app's id; all apps when omitted.") var app: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (database, path) = try store.database(create: false)
            let keys =
                try database.map { db in try storing { () throws(StoreError) in try db.appKeys.list(appID: app) } } ?? []
            guard !keys.isEmpty else {
                print("no keys\(app.map { " for app \($0)" } ?? "") in \(path)")
                return
            }
            for key in keys {
                let state = key.revokedAt.map { "revoked \(isoTime($0))" } ?? "active"
                print("\(key.id)  \(key.appID)  created \(isoTime(key.createdAt))  \(state)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id (from keys list).")
        @Argument(help: "The key's id.") var id: String
        @Option(name: .long, help: "The app's id (checked against the key's).") var app: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (database, path) = try store.database(create: false)
            guard let database,
                let key = try storing({ () throws(StoreError) in try database.appKeys.list(appID: app) })
                    .first(where: { $0.id == id })
            else { throw CLIFailure("no key \(id) for app \(app) in \(path)") }
            if key.revokedAt != nil {
                print("already revoked \(id)")
                return
            }
            _ = try storing { () throws(StoreError) in try database.appKeys.revoke(id: id, now: Date()) }
            print("revoked \(id)")
        }
    }
}

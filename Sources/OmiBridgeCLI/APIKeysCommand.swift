import ArgumentParser
import Foundation
import Store

/// `omi-bridge api-keys`: bearer keys for the local HTTP API (`omi-bridge serve`).
struct APIKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-keys",
        abstract: "Create, list and revoke the bearer keys of the local HTTP API.",
        discussion: """
            A key is shown once, when it is created; the database keeps only its SHA-256, so a lost key cannot be \
            recovered: revoke it and create another. Admin keys may also manage keys and bridge-wide settings.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it (stdout, alone on its line) this one time.")
        @Option(name: .long, help: "admin or member.") var role: RoleOption
        @Option(name: .long, help: "A label for the key, e.g. laptop.") var name: String
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("the name is empty") }
        }

        func run() throws {
            guard let database = try store.database(create: true).0 else { return }
            let (key, record) = try storing { () throws(StoreError) in
                try database.apiKeys.create(name: name, role: role.role, now: Date())
            }
            print(key)
            FileHandle.standardError.write(
                Data(
                    "created API key \(record.id) (\(record.role.rawValue), \(record.name)); it is not shown again\n"
                        .utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys (never the keys themselves): ID, role, created, revoked, name.")
        @Flag(name: .long, help: "One JSON object per line: id, name, role, created_at, revoked_at.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (database, path) = try store.database(create: false)
            let keys = try database.map { db in try storing { () throws(StoreError) in try db.apiKeys.list() } } ?? []
            if json {
                for key in keys {
                    print(
                        jsonLine([
                            "id": key.id, "name": key.name, "role": key.role.rawValue,
                            "created_at": isoTime(key.createdAt),
                            "revoked_at": key.revokedAt.map(isoTime) ?? NSNull(),
                        ]))
                }
                return
            }
            guard !keys.isEmpty else {
                print("no API keys in \(path)")
                return
            }
            for key in keys {
                let role = key.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                let state = key.revokedAt.map { "revoked \(isoTime($0))" } ?? "active"
                print("\(key.id)  \(role)\(isoTime(key.createdAt))  \(state)  \(key.name)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it stops working at once.")
        @Argument(help: "The key's ID (from api-keys list), not the key.") var id: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (found, path) = try store.database(create: false)
            guard let database = found else { throw CLIFailure("\(path): no API key \(id)") }
            let keys = try storing { () throws(StoreError) in try database.apiKeys.list() }
            guard let key = keys.first(where: { $0.id == id }) else { throw CLIFailure("\(path): no API key \(id)") }
            if key.isRevoked {
                print("already revoked \(key.id) (\(key.name))")
                return
            }
            _ = try storing { () throws(StoreError) in try database.apiKeys.revoke(id: key.id, now: Date()) }
            print("revoked \(key.id) (\(key.name))")
        }
    }
}

/// `--role`: the roles of ``APIKey/Role`` as a command-line choice.
enum RoleOption: String, ExpressibleByArgument, CaseIterable {
    case admin
    case member

    var role: APIKey.Role {
        switch self {
        case .admin: .admin
        case .member: .member
        }
    }
}

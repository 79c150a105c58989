public import Foundation
import GRDB

/// Per-app chat history, for an app's `user_chat` scope (the last 10 messages, oldest first; omi-contract §4
/// step 6) and for storing proactive notifications as app messages (step 10).
public struct ChatStore: Sendable {
    private let database: BridgeDatabase

    public init(_ database: BridgeDatabase) {
        self.database = database
    }

    /// Appends a message with a new UUID.
    @discardableResult
    public func append(
        appID: String, sender: ChatMessage.Sender, text: String, conversationID: String? = nil, now: Date
    ) throws(StoreError) -> ChatMessage {
        let message = ChatMessage(
            id: UUID().uuidString, appID: appID, sender: sender, text: text, conversationID: conversationID,
            createdAt: now)
        try database.write("appending a chat message for \(appID)") { db in
            try db.execute(
                sql: """
                    INSERT INTO chat_messages (id, app_id, sender, text, conversation_id, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    message.id, appID, sender.rawValue, text, conversationID, now.timeIntervalSince1970,
                ])
        }
        return message
    }

    /// The last `n` messages with the app, returned oldest first. Messages at the same instant keep their
    /// append order.
    public func last(_ n: Int, appID: String) throws(StoreError) -> [ChatMessage] {
        try database.read("reading the last chat messages of \(appID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (
                        SELECT * FROM chat_messages WHERE app_id = ? ORDER BY created_at DESC, seq DESC LIMIT ?
                    ) ORDER BY created_at, seq
                    """,
                arguments: [appID, max(n, 0)]
            ).map(ChatMessage.init(row:))
        }
    }

    /// Every message with the app, oldest first.
    public func all(appID: String) throws(StoreError) -> [ChatMessage] {
        try database.read("reading the chat messages of \(appID)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM chat_messages WHERE app_id = ? ORDER BY created_at, seq", arguments: [appID]
            ).map(ChatMessage.init(row:))
        }
    }
}

extension BridgeDatabase {
    /// Per-app chat history in this database.
    public var chat: ChatStore { ChatStore(self) }
}

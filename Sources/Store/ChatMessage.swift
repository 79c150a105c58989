public import Foundation
import GRDB

/// One message of a user↔app chat. Proactive notifications are stored as messages from the app with no
/// conversation id (omi-contract §4 step 10).
public struct ChatMessage: Sendable, Equatable, Identifiable {
    /// Who wrote the message.
    public enum Sender: String, Sendable, Equatable, CaseIterable {
        case user
        case app
    }

    /// A UUID string.
    public var id: String
    public var appID: String
    public var sender: Sender
    public var text: String
    /// The conversation the message is about, if any.
    public var conversationID: String?
    public var createdAt: Date

    public init(
        id: String, appID: String, sender: Sender, text: String, conversationID: String?, createdAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.sender = sender
        self.text = text
        self.conversationID = conversationID
        self.createdAt = createdAt
    }
}

extension ChatMessage {
    /// Decodes a `chat_messages` row.
    init(row: Row) throws {
        let senderText: String = row["sender"]
        guard let sender = Sender(rawValue: senderText) else {
            throw DatabaseError(message: "chat message \(row["id"] as String): unknown sender '\(senderText)'")
        }
        self.init(
            id: row["id"], appID: row["app_id"], sender: sender, text: row["text"],
            conversationID: row["conversation_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}

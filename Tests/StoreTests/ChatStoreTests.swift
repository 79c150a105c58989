import Foundation
import Store
import Testing

@Suite("Chat history")
struct ChatStoreTests {
    @Test("Appended messages read back in order, per app")
    func appendAndAll() throws {
        let chat = try BridgeDatabase.inMemory().chat
        let hello = try chat.append(appID: "coach", sender: .user, text: "hello", conversationID: "c1", now: instant(0))
        let reply = try chat.append(appID: "coach", sender: .app, text: "hi!", now: instant(1))
        try chat.append(appID: "other", sender: .user, text: "elsewhere", now: instant(2))
        #expect(try chat.all(appID: "coach") == [hello, reply])
        #expect(hello.conversationID == "c1" && reply.conversationID == nil)
        #expect(UUID(uuidString: hello.id) != nil)
        #expect(try chat.all(appID: "nobody").isEmpty)
    }

    @Test("The last n messages come oldest first, same-instant messages in append order")
    func lastN() throws {
        let chat = try BridgeDatabase.inMemory().chat
        for index in 0..<12 {
            try chat.append(
                appID: "coach", sender: index.isMultiple(of: 2) ? .user : .app, text: "m\(index)",
                now: instant(Double(index / 3)))
        }
        #expect(try chat.last(10, appID: "coach").map(\.text) == (2..<12).map { "m\($0)" })
        #expect(try chat.last(3, appID: "coach").map(\.text) == ["m9", "m10", "m11"])
        #expect(try chat.last(50, appID: "coach").count == 12)
        #expect(try chat.last(0, appID: "coach").isEmpty)
        #expect(try chat.last(10, appID: "other").isEmpty)
    }
}

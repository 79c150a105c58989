import Testing

@testable import Notifications

@Suite struct SMTPReplyParserTests {
    @Test func multiLineRepliesArriveWholeWhateverTheChunking() throws {
        let bytes = Array(
            "250-mail.example.org hello\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n220 next\r\n".utf8)
        for chunk in [1, 3, 7, bytes.count] {
            var parser = SMTPReplyParser()
            var replies: [SMTPReply] = []
            var offset = 0
            while offset < bytes.count {
                parser.append(bytes[offset..<min(bytes.count, offset + chunk)])
                offset += chunk
                while let reply = try parser.next() { replies.append(reply) }
            }
            #expect(
                replies == [
                    SMTPReply(
                        code: 250, lines: ["mail.example.org hello", "STARTTLS", "AUTH PLAIN LOGIN", "8BITMIME"]),
                    SMTPReply(code: 220, lines: ["next"]),
                ], "chunk \(chunk)")
        }
    }

    @Test func bareLFAndACodeWithoutTextAreAccepted() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("250\n354 go on\n".utf8))
        #expect(try parser.next() == SMTPReply(code: 250, lines: [""]))
        #expect(try parser.next() == SMTPReply(code: 354, lines: ["go on"]))
        #expect(try parser.next() == nil)
    }

    @Test(arguments: ["199 too low", "260 second digit", "25x letters", "250_separator", "hello"])
    func malformedLinesAreProtocolErrors(line: String) {
        var parser = SMTPReplyParser()
        parser.append(Array((line + "\r\n").utf8))
        #expect(throws: SMTPReplyParser.ProtocolError.self) { try parser.next() }
    }

    @Test func extensionsAreParsedFromTheEHLOReply() {
        let extensions = SMTPExtensions(
            ehlo: SMTPReply(code: 250, lines: ["hi", "starttls", "AUTH=LOGIN", "AUTH plain CRAM-MD5", "SIZE 100"]))
        #expect(extensions.offers("STARTTLS") && extensions.offers("size") && !extensions.offers("PIPELINING"))
        #expect(extensions.authMechanisms == ["LOGIN", "PLAIN", "CRAM-MD5"])
        // The greeting line is not an extension.
        #expect(!SMTPExtensions(ehlo: SMTPReply(code: 250, lines: ["STARTTLS"])).offers("STARTTLS"))
    }
}

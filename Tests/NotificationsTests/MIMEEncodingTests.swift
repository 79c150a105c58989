import Foundation
import Testing

@testable import Notifications

@Suite struct MIMEEncodingTests {
    @Test func quotedPrintableRoundTripsAndKeepsLinesShort() throws {
        let text =
            "plain\n" + String(repeating: "é", count: 100) + "\n"
            + "a=b \t\ntrailing space \n" + String(repeating: "x", count: 200) + "\r\nlast"
        let encoded = MIMEEncoding.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "\(line)")
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 })
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
        }
        #expect(encoded.contains("a=3Db =09"))
        // "é" is two bytes, six characters encoded: a soft break never splits them.
        #expect(!encoded.contains("=C3=\r\n"))
        let expected = text.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(ReceivedMail.decodeQuotedPrintable(encoded) == expected)
    }

    @Test func encodedWordsStayWithinSeventyFiveCharactersAndDecodeBack() throws {
        let subject = String(repeating: "Grüße 🎉 ", count: 12)
        let words = MIMEEncoding.encodedWords(subject)
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        // Each word decodes on its own: no UTF-8 sequence is split across two.
        let decoded = words.map { word -> String? in
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return Data(base64Encoded: String(payload)).flatMap { String(validating: $0, as: UTF8.self) }
        }
        #expect(!decoded.contains(nil))
        #expect(decoded.compactMap { $0 }.joined() == subject)
    }

    @Test func headerValuesCannotInjectHeaders() {
        #expect(MIMEEncoding.headerValue("Hello\r\nBcc: victim@example.org") == "Hello  Bcc: victim@example.org")
        #expect(MIMEEncoding.headerValue("plain subject") == "plain subject")
        // Text that looks like an encoded word is encoded, so it is shown as typed.
        #expect(MIMEEncoding.headerValue("=?UTF-8?B?aGk=?=").hasPrefix("=?UTF-8?B?PT9"))
        // A long value folds: every line after the first is a continuation (starts with a space), none too long.
        let folded = MIMEEncoding.headerValue(String(repeating: "ü", count: 300)).components(separatedBy: "\r\n")
        #expect(folded.count > 1)
        #expect(folded.dropFirst().allSatisfy { $0.hasPrefix(" ") } && folded.allSatisfy { $0.count <= 76 })
    }

    @Test func datesAreRFC5322InUTC() {
        #expect(
            MIMEEncoding.rfc5322Date(Date(timeIntervalSince1970: 1_777_000_000)) == "Fri, 24 Apr 2026 03:06:40 +0000")
        #expect(MIMEEncoding.rfc5322Date(Date(timeIntervalSince1970: 951_825_600)) == "Tue, 29 Feb 2000 12:00:00 +0000")
    }

    @Test func dotStuffingDoublesEveryLeadingDot() {
        let message = Array(".first\r\nmiddle . dot\r\n.\r\n..two\r\n".utf8)
        #expect(
            String(decoding: MIMEEncoding.dotStuffed(message), as: UTF8.self)
                == "..first\r\nmiddle . dot\r\n..\r\n...two\r\n")
    }

    @Test func theMessageCarriesTheBridgeHeadersAndSanitisedIDs() {
        var message = EmailFixtures.message
        message.notificationID = "id with spaces\r\nX-Evil: 1"
        message.category = "app.direct\r\nBcc: x@y.z"
        let configuration = try! EmailConfiguration(host: "smtp.example.org", from: "bridge@example.org", to: ["a@b.c"])
        let rendered = String(decoding: EmailMessage(message, configuration: configuration).rendered, as: UTF8.self)
        let mail = ReceivedMail(rendered)
        #expect(mail.headers["message-id"] == "<id-with-spaces--X-Evil--1@example.org>")
        #expect(mail.headers["x-omi-bridge-category"] == "app.direct  Bcc: x@y.z")
        #expect(mail.headers["x-evil"] == nil && mail.headers["bcc"] == nil)
        #expect(mail.headers["x-omi-bridge-app-id"] == "focus-coach")
        #expect(mail.headers["auto-submitted"] == "auto-generated")
        #expect(rendered.hasSuffix("\r\n"))
    }
}

import Testing

@testable import Notifications

@Suite struct EmailConfigurationTests {
    @Test func defaultsAreSubmissionWithSTARTTLS() throws {
        let configuration = try EmailConfiguration(
            host: "smtp.example.org", from: "a@example.org", to: ["b@example.org"])
        #expect(configuration.port == 587 && configuration.security == .starttls && configuration.trust == .default)
        #expect(configuration.connectTimeout == .seconds(10) && configuration.commandTimeout == .seconds(30))
        #expect(try EmailConfiguration(host: "h", security: .tls, from: "a@b", to: ["c@d"]).port == 465)
    }

    @Test(arguments: [
        ("to", [String](), "a@example.org", "email.to: at least one recipient is needed"),
        ("to[1]", ["ok@example.org", "evil@example.org>\r\nRCPT TO:<x@y.z"], "a@example.org", ""),
        ("from", ["b@example.org"], "no-at-sign", "email.from: not an email address: \"no-at-sign\""),
        ("from", ["b@example.org"], "a b@example.org", ""),
    ])
    func addressesThatCouldInjectCommandsAreRefused(field: String, to: [String], from: String, message: String) {
        do {
            _ = try EmailConfiguration(host: "smtp.example.org", from: from, to: to)
            Issue.record("accepted from \(from), to \(to)")
        } catch {
            #expect(error.field == field)
            if !message.isEmpty { #expect(error.description == message) }
            #expect(!error.description.contains("\r") && !error.description.contains("\n"))
        }
    }

    @Test func aUsernameNeedsAPasswordAndTheHostMustBeAHost() {
        #expect(throws: EmailConfigurationError.self) {
            try EmailConfiguration(host: "h", username: "user", from: "a@b", to: ["c@d"])
        }
        #expect(throws: EmailConfigurationError.self) {
            try EmailConfiguration(host: "evil.example.org\r\nQUIT", from: "a@b", to: ["c@d"])
        }
        #expect(throws: EmailConfigurationError.self) {
            try EmailConfiguration(host: "h", port: 0, from: "a@b", to: ["c@d"])
        }
    }

    @Test func thePasswordNeverAppearsInDescriptionsOrDumps() throws {
        let configuration = try EmailConfiguration(
            host: "smtp.example.org", username: "user", password: "correct horse", from: "a@example.org",
            to: ["b@example.org"])
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            #expect(!text.contains("correct horse"), "\(text)")
        }
        #expect("\(configuration)" == "smtp+starttls://user@smtp.example.org:587 from a@example.org to b@example.org")
        #expect(configuration.hasCredentials)
        #expect(
            EmailChannel.redacted("535 bad Y29ycmVjdCBob3JzZQ== or correct horse", configuration: configuration)
                == "535 bad <redacted> or <redacted>")
    }
}

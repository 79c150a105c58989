import Foundation
import Notifications

/// The notification and configurations the email tests share.
enum EmailFixtures {
    static let recipients = ["ada@example.org", "bob@example.org"]

    /// A body with the lines dot-stuffing is for: one starting with ".", one that is only "." (which would end
    /// the data early unstuffed), and non-ASCII text.
    static let message = ChannelMessage(
        notificationID: "3f6c1e2a-8d0b-4c57-9a51-2b7e0c9d4f10", userID: "user-1", appID: "focus-coach",
        category: "app.direct", title: "Café ☕ — time for a break", subtitle: "Focus coach",
        body: "You have been working for 90 minutes.\n.hidden line starting with a dot\n.\nGrüße, Omi",
        createdAt: Date(timeIntervalSince1970: 1_777_000_000))

    static func configuration(
        _ server: LoopbackSMTPServer, security: EmailConfiguration.Security = .none,
        trust: EmailConfiguration.CertificateTrust = .default, username: String? = nil, password: String? = nil,
        commandTimeout: Duration = .seconds(30)
    ) throws -> EmailConfiguration {
        try configuration(
            port: server.port, security: security, trust: trust, username: username, password: password,
            commandTimeout: commandTimeout)
    }

    static func configuration(
        port: Int, security: EmailConfiguration.Security = .none, trust: EmailConfiguration.CertificateTrust = .default,
        username: String? = nil, password: String? = nil, commandTimeout: Duration = .seconds(30)
    ) throws -> EmailConfiguration {
        try EmailConfiguration(
            host: "127.0.0.1", port: port, security: security, trust: trust, username: username, password: password,
            from: "omi@bridge.test", to: recipients, heloName: "bridge.test", connectTimeout: .seconds(5),
            commandTimeout: commandTimeout)
    }
}

import Foundation
public import Logging

/// The `email` channel: each notification as a plain-text mail, submitted over SMTP to the configured server
/// (STARTTLS on 587 by default, implicit TLS on 465, or plain for a local relay).
///
/// One attempt per `send`; the delivery worker retries what `ChannelFailure.retryable` says can be retried:
/// connection failures, timeouts and SMTP 4xx replies. 5xx replies, a missing STARTTLS and TLS failures are final.
public struct EmailChannel: NotificationChannel {
    public let name: ChannelName = .email
    /// nil when email is not configured: the channel then reports `NOT_CONFIGURED` and sends nothing.
    public let configuration: EmailConfiguration?
    private let logger: Logger

    /// - Parameter logger: debug logs each command (never credentials), info logs each mail sent; none by default.
    public init(configuration: EmailConfiguration?, logger: Logger? = nil) {
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "omi-bridge.email", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Ready whenever configured: whether the server answers is learnt by sending, not by probing on every
    /// status request.
    public func readiness() async -> ChannelReadiness {
        configuration == nil ? .notReady("NOT_CONFIGURED") : .ready
    }

    public func send(_ message: ChannelMessage) async throws(ChannelFailure) {
        guard let configuration else { throw ChannelFailure("NOT_CONFIGURED", retryable: false) }
        let mail = EmailMessage(message, configuration: configuration)
        let client = SMTPClient(configuration: configuration, logger: logger)
        do {
            try await client.submit(mail.rendered)
        } catch {
            let reason = Self.redacted(error.description, configuration: configuration)
            logger.warning(
                "email not sent", metadata: ["reason": "\(reason)", "notification": "\(message.notificationID)"])
            throw ChannelFailure(reason, retryable: error.retryable)
        }
    }

    /// `reason` without the password in any form we sent it (plain, base64, inside the AUTH PLAIN token), for
    /// a server that quotes our input back in its reply.
    static func redacted(_ reason: String, configuration: EmailConfiguration) -> String {
        guard let password = configuration.password else { return reason }
        let secrets = [
            password, SMTPClient.base64(password),
            SMTPClient.base64("\0\(configuration.username ?? "")\0\(password)"),
        ]
        var out = reason
        for secret in secrets where !secret.isEmpty { out = out.replacingOccurrences(of: secret, with: "<redacted>") }
        return out
    }
}

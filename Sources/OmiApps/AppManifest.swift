import Foundation

/// An Omi app as the bridge runs it: the upstream manifest shape (omi-contract §6) plus the bridge-only fields.
/// Built from a JSON or YAML mapping by `AppManifest.parse`, which checks every field and names the one at fault.
public struct AppManifest: Sendable, Equatable {
    /// How `transcript_processed` requests are shaped (omi-contract §3.2).
    public enum TranscriptContract: String, Sendable, CaseIterable {
        /// Upstream code: `?uid=`, body `{"session_id": <uid>, "segments": [...]}`.
        case backend
        /// Upstream docs: `?session_id=&uid=`, body with a real session id.
        case documented
        /// The Integrations docs page: a bare array of segments carrying `speakerId`.
        case documentedArray = "documented-array"
    }

    public static let knownScopes: Set<String> = ["user_name", "user_facts", "user_context", "user_chat"]

    public var id: String
    public var name: String
    public var capabilities: Set<String>
    /// `external_integration.triggers_on`, when the app has a webhook.
    public var trigger: AppTrigger?
    public var webhookURL: String?
    /// `proactive_notification.scopes`: the placeholders the app may use.
    public var scopes: Set<String>
    /// Bridge-only: a disabled app is loaded (and checked) but never called.
    public var enabled: Bool
    /// Bridge-only: SHA-256 hex of the app's direct-notification API keys (omi-contract §5).
    public var apiKeyHashes: [String]
    public var transcriptContract: TranscriptContract
    /// Bridge-only: `whsec_…` secrets, current first; with any, deliveries are signed (omi-contract §3.6).
    public var signingSecrets: [String]

    public init(
        id: String, name: String, capabilities: Set<String> = [], trigger: AppTrigger? = nil, webhookURL: String? = nil,
        scopes: Set<String> = [], enabled: Bool = true, apiKeyHashes: [String] = [],
        transcriptContract: TranscriptContract = .backend, signingSecrets: [String] = []
    ) {
        self.id = id
        self.name = name
        self.capabilities = capabilities
        self.trigger = trigger
        self.webhookURL = webhookURL
        self.scopes = scopes
        self.enabled = enabled
        self.apiKeyHashes = apiKeyHashes
        self.transcriptContract = transcriptContract
        self.signingSecrets = signingSecrets
    }

    /// Eligible for webhook calls (omi-contract §3.1): enabled, `external_integration`, a URL and a trigger.
    public var hasWebhook: Bool {
        enabled && capabilities.contains("external_integration") && webhookURL != nil && trigger != nil
    }

    public var hasProactiveNotifications: Bool { capabilities.contains("proactive_notification") }
}

/// A manifest problem: where it came from (a file, or `config: apps[2]`), the field, and why.
public struct AppManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var field: String
    public var reason: String

    public init(source: String, field: String, reason: String) {
        self.source = source
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? "\(source): \(reason)" : "\(source): \(field): \(reason)" }
}

/// Every problem found in one or more manifests.
public struct AppManifestErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [AppManifestError]

    public init(problems: [AppManifestError]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

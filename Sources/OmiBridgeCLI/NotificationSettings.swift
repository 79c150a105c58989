import Foundation
import Logging
import Notifications
import OmiApps
import OmiAudio
import Store

/// The `notifications` section of the configuration file (docs/configuration.md): the preference default, the
/// category limits, the delivery retries and each channel's settings. A channel without its section (or with
/// `enabled: false`) is not configured: the status endpoint reports it `NOT_CONFIGURED` and nothing is queued
/// for it. `desktop` and `device_haptic` are on by default; they need no settings.
struct NotificationSettings {
    var defaultEnabled = true
    var limits = CategoryLimit.defaults
    var maxAttempts = 12
    var baseDelay: TimeInterval = 1
    var maxDelay: TimeInterval = 300

    var desktop = true
    /// The bus for desktop notifications; nil means the session bus (`DBUS_SESSION_BUS_ADDRESS`).
    var desktopBus: String?
    var haptic = true
    var webhookURL: String?
    var webhookSecret: String?
    var webhookTimeout: TimeInterval = 15
    var ntfyServer = "https://ntfy.sh"
    var ntfyTopic: String?
    var ntfyToken = TranscriberSettings.SecretSource(environment: ["OMI_BRIDGE_NTFY_TOKEN"])
    /// Built and checked while the file is read, so a bad address or host is reported with its path.
    var email: EmailConfiguration?

    mutating func apply(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "notifications.\(key)"
            switch key {
            case "default_enabled": if let v = values.bool(raw, at) { defaultEnabled = v }
            case "max_attempts": if let v = values.integer(raw, at, in: 1...100) { maxAttempts = v }
            case "retry_base_delay_s":
                if let v = values.seconds(raw, at, in: 0.01...3600) { baseDelay = v.seconds }
            case "retry_max_delay_s":
                if let v = values.seconds(raw, at, in: 1...86_400) { maxDelay = v.seconds }
            case "category_limits": applyLimits(raw, at, &values)
            case "channels":
                guard let channels = values.mapping(raw, at) else { continue }
                for (name, section) in channels { applyChannel(name, section, "\(at).\(name)", &values) }
            default: values.unknown(at)
            }
        }
    }

    /// `category_limits`: a list of `{category, channel, count, window_s}`; the list replaces the defaults.
    private mutating func applyLimits(_ raw: Any, _ at: String, _ values: inout ConfigValues) {
        guard let list = raw as? [Any] else {
            values.problem(at, "must be a list of {category, channel, count, window_s}")
            return
        }
        var parsed: [CategoryLimit] = []
        for (index, entry) in list.enumerated() {
            let path = "\(at)[\(index)]"
            guard let keys = values.mapping(entry, path) else { continue }
            var category: String?, channel: ChannelName?, count: Int?, window: Duration?
            for (key, value) in keys {
                switch key {
                case "category": category = values.string(value, "\(path).category", { $0.isEmpty ? "empty" : nil })
                case "channel":
                    channel = values.choice(value, "\(path).channel", ChannelName.self, Self.channelList)
                case "count": count = values.integer(value, "\(path).count", in: 0...1_000_000)
                case "window_s": window = values.seconds(value, "\(path).window_s", in: 1...31_536_000)
                default: values.unknown("\(path).\(key)")
                }
            }
            for (name, value) in [("category", category as Any?), ("channel", channel), ("count", count), ("window_s", window)]
            where value == nil && keys[name] == nil {
                values.problem("\(path).\(name)", "missing")
            }
            if let category, let channel, let count, let window {
                parsed.append(CategoryLimit(category: category, channel: channel, count: count, window: window.seconds))
            }
        }
        limits = parsed
    }

    private mutating func applyChannel(_ name: String, _ raw: Any, _ at: String, _ values: inout ConfigValues) {
        guard let channel = ChannelName(rawValue: name) else {
            values.problem(at, "not a channel (\(Self.channelList))")
            return
        }
        guard let keys = values.mapping(raw, at) else { return }
        var enabled = true
        for (key, value) in keys where key == "enabled" {
            if let v = values.bool(value, "\(at).enabled") { enabled = v }
        }
        let url = TranscriberSettings.urlCheck(["http", "https"])
        switch channel {
        case .inApp, .sms:
            for key in keys.keys where key != "enabled" { values.unknown("\(at).\(key)") }
            if channel == .sms { values.problem(at, "sms has no provider in this version") }
        case .desktop:
            desktop = enabled
            for (key, value) in keys where key != "enabled" {
                switch key {
                case "bus": desktopBus = values.string(value, "\(at).bus") { $0.contains(":") ? nil : "not a D-Bus address" }
                default: values.unknown("\(at).\(key)")
                }
            }
        case .deviceHaptic:
            haptic = enabled
            for key in keys.keys where key != "enabled" { values.unknown("\(at).\(key)") }
        case .webhook:
            for (key, value) in keys where key != "enabled" {
                switch key {
                case "url": webhookURL = values.string(value, "\(at).url", url)
                case "secret":
                    // The reason must not quote the secret, so the length is checked after the type.
                    if let v = values.string(value, "\(at).secret") {
                        if v.count < 16 { values.problem("\(at).secret", "shorter than 16 characters") } else { webhookSecret = v }
                    }
                case "timeout_s":
                    if let v = values.seconds(value, "\(at).timeout_s", in: 0.1...300) { webhookTimeout = v.seconds }
                default: values.unknown("\(at).\(key)")
                }
            }
            if webhookURL == nil, keys["url"] == nil { values.problem("\(at).url", "missing") }
            if !enabled { webhookURL = nil }
        case .ntfy:
            for (key, value) in keys where key != "enabled" {
                switch key {
                case "server": if let v = values.string(value, "\(at).server", url) { ntfyServer = v }
                case "topic":
                    ntfyTopic = values.string(value, "\(at).topic") {
                        $0.isEmpty || $0.contains(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0))) })
                            ? "not an ntfy topic (ASCII letters, digits, '_' and '-')" : nil
                    }
                case "token": ntfyToken.inline = values.string(value, "\(at).token")
                default: values.unknown("\(at).\(key)")
                }
            }
            if ntfyTopic == nil, keys["topic"] == nil { values.problem("\(at).topic", "missing") }
            if !enabled { ntfyTopic = nil }
        case .email:
            var host = "", from = "", to: [String] = [], port: Int?, username: String?
            var security = EmailConfiguration.Security.starttls
            var password = TranscriberSettings.SecretSource(environment: ["OMI_BRIDGE_SMTP_PASSWORD"])
            for (key, value) in keys where key != "enabled" {
                let path = "\(at).\(key)"
                switch key {
                case "host": if let v = values.string(value, path, { $0.isEmpty ? "empty" : nil }) { host = v }
                case "port": port = values.integer(value, path, in: 1...65535)
                case "security":
                    if let v = values.choice(value, path, EmailConfiguration.Security.self, "starttls, tls, none") {
                        security = v
                    }
                case "username": username = values.string(value, path)
                case "password": password.inline = values.string(value, path)
                case "from": if let v = values.string(value, path, Self.addressProblem) { from = v }
                case "to":
                    if let list = values.strings(value, path) {
                        for (i, address) in list.enumerated() {
                            if let reason = Self.addressProblem(address) { values.problem("\(path)[\(i)]", "'\(address)' is \(reason)") }
                        }
                        to = list
                    }
                default: values.unknown(path)
                }
            }
            for required in ["host", "from", "to"] where keys[required] == nil { values.problem("\(at).\(required)", "missing") }
            guard enabled, !host.isEmpty, !from.isEmpty, !to.isEmpty else { return }
            do {
                email = try EmailConfiguration(
                    host: host, port: port, security: security, username: username, password: password.value,
                    from: from, to: to)
            } catch {
                // The error names its field (`host`, `to[1]`); reported under this section's path.
                values.problem("\(at).\(error.field)", error.message)
            }
        }
    }

    static let channelList = ChannelName.allCases.map(\.rawValue).joined(separator: ", ")

    /// A bare `user@host` address (no display name, no angle brackets, no spaces or CR/LF).
    static func addressProblem(_ address: String) -> String? {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        let bad = parts.count != 2 || parts.contains(where: \.isEmpty)
            || address.contains(where: { $0.isWhitespace || "<>,;\"".contains($0) })
        return bad ? "not an email address like you@example.com" : nil
    }
}

extension NotificationSettings {
    /// The configured channels for `config check`: `in_app, desktop, device_haptic, ntfy (topic omi)`.
    var summary: String {
        var channels = ["in_app"]
        if desktop { channels.append("desktop") }
        if haptic { channels.append("device_haptic") }
        if let webhookURL { channels.append("webhook (\(URLRedaction.redacted(webhookURL)))") }
        if let ntfyTopic { channels.append("ntfy (\(ntfyServer), topic \(ntfyTopic))") }
        if let email { channels.append("email (\(email.host):\(email.port), \(email.security.rawValue), \(email.to.count) recipients)") }
        return channels.joined(separator: ", ") + "; \(limits.count) category limits"
    }
}

extension NotificationSettings {
    /// The centre over `database` with these settings' policy (preference default, category limits) and
    /// delivery retries, delivering through `channels` (from ``channels(http:haptic:)``).
    func centre(database: BridgeDatabase, channels: ConfiguredChannels, logger: Logger) -> NotificationCentre {
        NotificationCentre(
            database: database, channels: channels.all,
            policy: NotificationPolicy(defaultEnabled: defaultEnabled, limits: limits),
            retry: RetryPolicy(baseDelay: baseDelay, maxDelay: maxDelay, maxAttempts: maxAttempts), logger: logger)
    }
}

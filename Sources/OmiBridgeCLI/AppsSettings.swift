import Foundation
import OmiApps
import Yams

/// The `user`, `apps` and `webhooks` sections of the configuration file (docs/configuration.md): who the local
/// user is, the Omi apps to call (inline manifests or manifest files, JSON or YAML), and the webhook switches.
struct AppsSettings {
    var uid = "local-user"
    var userName = "User"
    var facts: [String] = []
    var apps: [AppManifest] = []
    var defaultContract = AppManifest.TranscriptContract.backend
    var audioBytesSeconds = 4
    var audioBytesURLQuirk = false
    var conversationTimeoutSeconds = 120
    var upstreamBreakerJSON = false
    var upstreamAudioBreaker = false
    var proactiveDailyCap = 9
    var stripFourSpaces = true
    var upstreamChatOverwrite = false
    /// `generator.backend`: `preview` (offline, the default) or `openai-chat` (any /v1/chat/completions server).
    var generatorBackend = "preview"
    var generatorURL: String?
    var generatorModel = "llama3.2"
    var generatorTimeout: Duration = .seconds(60)
    var generatorKey = TranscriberSettings.SecretSource(environment: ["OMI_BRIDGE_GENERATOR_API_KEY", "OPENAI_API_KEY"])

    /// `user.uid` goes into URLs as is (omi-contract §3.1), so it is limited to URL-safe characters.
    static func uidProblem(_ uid: String) -> String? {
        uid.isEmpty || uid.contains(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "_-.~".contains($0))) })
            ? "not URL-safe (use ASCII letters, digits, '_', '-', '.' and '~')" : nil
    }

    mutating func applyUser(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "user.\(key)"
            switch key {
            case "uid": if let v = values.string(raw, at, Self.uidProblem) { uid = v }
            case "name": if let v = values.string(raw, at, { $0.isEmpty ? "empty" : nil }) { userName = v }
            case "facts": if let v = values.strings(raw, at) { facts = v }
            default: values.unknown(at)
            }
        }
    }

    mutating func applyWebhooks(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "webhooks.\(key)"
            switch key {
            case "transcript_contract":
                if let v = values.choice(raw, at, AppManifest.TranscriptContract.self, "backend, documented, documented-array") {
                    defaultContract = v
                }
            case "audio_bytes_seconds": if let v = values.integer(raw, at, in: 1...300) { audioBytesSeconds = v }
            case "audio_bytes_url_quirk": if let v = values.bool(raw, at) { audioBytesURLQuirk = v }
            case "upstream_breaker_json": if let v = values.bool(raw, at) { upstreamBreakerJSON = v }
            case "upstream_audio_breaker": if let v = values.bool(raw, at) { upstreamAudioBreaker = v }
            case "proactive_daily_cap": if let v = values.integer(raw, at, in: 1...1000) { proactiveDailyCap = v }
            case "strip_four_spaces": if let v = values.bool(raw, at) { stripFourSpaces = v }
            case "upstream_chat_overwrite": if let v = values.bool(raw, at) { upstreamChatOverwrite = v }
            case "conversation_timeout_s":
                if let v = values.integer(raw, at, in: -1...86_400) {
                    if v != -1 && v < 120 { values.problem(at, "\(v) is below the minimum of 120 seconds (−1 means 4 hours)") }
                    conversationTimeoutSeconds = v
                }
            default: values.unknown(at)
            }
        }
    }

    mutating func applyGenerator(_ keys: [String: Any], _ values: inout ConfigValues) {
        for (key, raw) in keys {
            let at = "generator.\(key)"
            switch key {
            case "backend":
                let backends = ["preview", "openai-chat"]
                if let v = values.string(raw, at, { backends.contains($0) ? nil : "not one of preview, openai-chat" }) {
                    generatorBackend = v
                }
            case "url": generatorURL = values.string(raw, at, TranscriberSettings.urlCheck(["http", "https"]))
            case "model": if let v = values.string(raw, at) { generatorModel = v }
            case "timeout_s": if let v = values.seconds(raw, at, in: 1...600) { generatorTimeout = v }
            case "api_key": generatorKey.inline = values.string(raw, at)
            case "api_key_env": if let v = values.string(raw, at) { generatorKey.environment = [v] }
            default: values.unknown(at)
            }
        }
        if generatorBackend == "openai-chat", generatorURL == nil {
            values.problem("generator.url", "required when generator.backend is openai-chat")
        }
    }

    /// `apps:` — each entry a manifest mapping, or the path of a manifest file (relative to the config file).
    /// Manifests are checked after `webhooks` so its `transcript_contract` default applies.
    mutating func applyApps(_ raw: Any, configFile: String, _ values: inout ConfigValues) {
        guard let list = raw as? [Any] else {
            values.problem("apps", "must be a list of manifests or manifest file paths")
            return
        }
        let base = (configFile as NSString).deletingLastPathComponent
        var seen: Set<String> = []
        for (i, entry) in list.enumerated() {
            let at = "apps[\(i)]"
            let source: String
            let object: Any
            if let path = entry as? String {
                let file = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
                guard let data = FileManager.default.contents(atPath: file) else {
                    values.problem(at, "\(file): cannot read the manifest file")
                    continue
                }
                do {
                    object = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) as Any  // JSON is YAML too
                } catch {
                    values.problem(at, "\(file): not valid JSON or YAML: \(error)")
                    continue
                }
                source = "\(at) (\(file))"
            } else {
                object = entry
                source = at
            }
            do {
                let manifest = try AppManifest.parse(object, source: source, defaultContract: defaultContract)
                if !seen.insert(manifest.id).inserted { values.problem(at, "id '\(manifest.id)' is used by another app") }
                apps.append(manifest)
            } catch {
                for problem in error.problems {
                    values.problem(problem.source, problem.field.isEmpty ? problem.reason : "\(problem.field): \(problem.reason)")
                }
            }
        }
    }
}

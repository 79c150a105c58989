import Foundation

extension AppManifest {
    /// Checks a manifest mapping (decoded JSON or YAML) and builds the app; every problem is reported, each with
    /// the field's path. `source` names where it came from, for the messages. Fields the bridge has no use for
    /// (description, image, `setup_completed_url`, `auth_steps`, `app_home_url`, `actions`, …) are accepted and
    /// ignored, as omi-contract §6 says.
    /// `defaultContract` applies when the manifest has no `transcript_contract` of its own.
    public static func parse(_ raw: Any, source: String, defaultContract: TranscriptContract = .backend)
        throws(AppManifestErrors) -> AppManifest
    {
        var problems: [AppManifestError] = []
        func problem(_ field: String, _ reason: String) {
            problems.append(AppManifestError(source: source, field: field, reason: reason))
        }
        guard let object = raw as? [String: Any] else {
            throw AppManifestErrors(problems: [AppManifestError(source: source, field: "", reason: "an app manifest must be a JSON object")])
        }
        func string(_ key: String, required: Bool) -> String? {
            guard let value = object[key] else {
                if required { problem(key, "required") }
                return nil
            }
            guard let s = value as? String, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                problem(key, "must be a non-empty string")
                return nil
            }
            return s
        }
        func strings(_ value: Any?, _ field: String) -> [String] {
            guard let value else { return [] }
            guard let list = value as? [Any], let strings = list as? [String] else {
                problem(field, "must be a list of strings")
                return []
            }
            return strings
        }

        let id = string("id", required: true)
        if let id, id.contains(where: { !($0.isLetter || $0.isNumber || "_-.".contains($0)) }) {
            problem("id", "'\(id)' may hold only letters, digits, '_', '-' and '.'")
        }
        let name = string("name", required: true)
        let capabilities = Set(strings(object["capabilities"], "capabilities"))
        var manifest = AppManifest(
            id: id ?? "", name: name ?? "", capabilities: capabilities, transcriptContract: defaultContract)

        if let raw = object["external_integration"] {
            if let integration = raw as? [String: Any] {
                parseIntegration(integration, into: &manifest, problem)
            } else {
                problem("external_integration", "must be an object")
            }
        }
        if capabilities.contains("external_integration") {
            if manifest.trigger == nil, problems.allSatisfy({ $0.field != "external_integration.triggers_on" }) {
                problem("external_integration.triggers_on", "required with the external_integration capability")
            }
            if manifest.webhookURL == nil, problems.allSatisfy({ $0.field != "external_integration.webhook_url" }) {
                problem("external_integration.webhook_url", "required with the external_integration capability")
            }
        }
        if let raw = object["proactive_notification"] {
            guard let proactive = raw as? [String: Any] else {
                problem("proactive_notification", "must be an object")
                throw AppManifestErrors(problems: problems)
            }
            let scopes = strings(proactive["scopes"], "proactive_notification.scopes")
            for scope in scopes where !knownScopes.contains(scope) {
                problem("proactive_notification.scopes", "'\(scope)' is not one of \(knownScopes.sorted().joined(separator: ", "))")
            }
            manifest.scopes = Set(scopes).intersection(knownScopes)
        }
        parseBridgeFields(object, into: &manifest, problem, strings)
        guard problems.isEmpty else { throw AppManifestErrors(problems: problems) }
        return manifest
    }

    private static func parseIntegration(
        _ integration: [String: Any], into manifest: inout AppManifest, _ problem: (String, String) -> Void
    ) {
        if let raw = integration["triggers_on"] {
            if let s = raw as? String, let trigger = AppTrigger(rawValue: s) {
                manifest.trigger = trigger
            } else {
                let choices = AppTrigger.allCases.map(\.rawValue).joined(separator: ", ")
                problem("external_integration.triggers_on", "'\(raw)' is not one of \(choices)")
            }
        }
        if let raw = integration["webhook_url"] {
            if let url = raw as? String, let reason = webhookURLProblem(url) {
                problem("external_integration.webhook_url", "'\(url)' \(reason)")
            } else if let url = raw as? String {
                manifest.webhookURL = url
            } else {
                problem("external_integration.webhook_url", "must be a string")
            }
        }
    }

    private static func parseBridgeFields(
        _ object: [String: Any], into manifest: inout AppManifest, _ problem: (String, String) -> Void,
        _ strings: (Any?, String) -> [String]
    ) {
        if let raw = object["enabled"] {
            if let enabled = raw as? Bool { manifest.enabled = enabled } else { problem("enabled", "must be true or false") }
        }
        if let raw = object["transcript_contract"] {
            if let s = raw as? String, let contract = TranscriptContract(rawValue: s) {
                manifest.transcriptContract = contract
            } else {
                let choices = TranscriptContract.allCases.map(\.rawValue).joined(separator: ", ")
                problem("transcript_contract", "'\(raw)' is not one of \(choices)")
            }
        }
        manifest.apiKeyHashes = strings(object["api_key_hashes"], "api_key_hashes")
        for (i, hash) in manifest.apiKeyHashes.enumerated()
        where hash.count != 64 || !hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            problem("api_key_hashes[\(i)]", "must be 64 lowercase hex digits (a SHA-256 hash; never the key itself)")
        }
        manifest.signingSecrets = strings(object["signing_secrets"], "signing_secrets")
        for (i, secret) in manifest.signingSecrets.enumerated() where !secret.hasPrefix("whsec_") || secret.count < 16 {
            problem("signing_secrets[\(i)]", "must be a whsec_… secret")
        }
    }

    /// Why `url` cannot be a webhook URL, or nil.
    static func webhookURLProblem(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return "is not an http(s) URL" }
        guard components.fragment == nil else { return "has a #fragment, which a webhook URL cannot carry" }
        return nil
    }
}

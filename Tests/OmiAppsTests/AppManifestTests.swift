import Foundation
import OmiApps
import Testing

private func json(_ text: String) -> Any { try! JSONSerialization.jsonObject(with: Data(text.utf8)) }

@Suite("App manifests (omi-contract §6)")
struct AppManifestTests {
    @Test("The contract's manifest loads, upstream-only fields are accepted and ignored")
    func contractManifest() throws {
        let manifest = try AppManifest.parse(
            json("""
                {"id": "app_123", "name": "Meeting Coach", "description": "coaches meetings", "image": "x.png",
                 "capabilities": ["external_integration", "proactive_notification"],
                 "external_integration": {"triggers_on": "transcript_processed", "webhook_url": "https://coach.example/hook",
                                          "setup_completed_url": "https://coach.example/ok", "auth_steps": [], "actions": []},
                 "proactive_notification": {"scopes": ["user_name", "user_facts", "user_context", "user_chat"]}}
                """), source: "coach.json")
        #expect(manifest.id == "app_123" && manifest.name == "Meeting Coach")
        #expect(manifest.trigger == .transcriptProcessed && manifest.webhookURL == "https://coach.example/hook")
        #expect(manifest.scopes == AppManifest.knownScopes && manifest.hasProactiveNotifications && manifest.hasWebhook)
        #expect(manifest.transcriptContract == .backend && manifest.enabled)
    }

    @Test("Every problem is reported with the source, the field and the reason")
    func problems() {
        let raw = json("""
            {"id": "bad id!", "capabilities": ["external_integration"],
             "external_integration": {"triggers_on": "realtime", "webhook_url": "ftp://x"},
             "proactive_notification": {"scopes": ["user_name", "user_secrets"]},
             "transcript_contract": "legacy", "enabled": "yes",
             "api_key_hashes": ["sk_0123"], "signing_secrets": ["hunter2"]}
            """)
        var errors: [String] = []
        do {
            _ = try AppManifest.parse(raw, source: "apps/bad.json")
            Issue.record("accepted a broken manifest")
        } catch {
            errors = error.problems.map(\.description)
        }
        for expected in [
            "apps/bad.json: id: 'bad id!' may hold only letters", "apps/bad.json: name: required",
            "apps/bad.json: external_integration.triggers_on: 'realtime' is not one of memory_creation, transcript_processed, audio_bytes",
            "apps/bad.json: external_integration.webhook_url: 'ftp://x' is not an http(s) URL",
            "apps/bad.json: proactive_notification.scopes: 'user_secrets' is not one of",
            "apps/bad.json: transcript_contract: 'legacy' is not one of backend, documented, documented-array",
            "apps/bad.json: enabled: must be true or false", "apps/bad.json: api_key_hashes[0]: must be 64 lowercase hex",
            "apps/bad.json: signing_secrets[0]: must be a whsec_",
        ] {
            #expect(errors.contains { $0.hasPrefix(expected) }, "missing \(expected) in \(errors)")
        }
        #expect(errors.count == 9, "\(errors)")
    }

    @Test("A webhook needs its URL and trigger; a manifest must be an object")
    func required() throws {
        do {
            _ = try AppManifest.parse(json(#"{"id": "a", "name": "A", "capabilities": ["external_integration"]}"#), source: "a.json")
            Issue.record("accepted a webhook app without a URL")
        } catch {
            #expect(error.problems.map(\.field) == ["external_integration.triggers_on", "external_integration.webhook_url"])
        }
        #expect(throws: AppManifestErrors.self) { try AppManifest.parse([1, 2], source: "list.json") }
        let chatOnly = try AppManifest.parse(json(#"{"id": "a", "name": "A", "capabilities": ["chat"]}"#), source: "a.json")
        #expect(!chatOnly.hasWebhook)
    }
}

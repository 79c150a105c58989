import BridgeTesting
import Foundation
import OmiAudio
import Testing

@Suite("Apps in the configuration file: manifests inline and from files, webhooks from transcribe")
struct AppsConfigTests {
    @Test("transcribe sends transcript_processed to the configured apps, as the Omi backend would, and prints each call")
    func transcribeCallsApps() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try LoopbackHTTPServer { request in
            .reply(status: 200, body: Array(#"{"message": "Noted, thanks for the update."}"#.utf8))
        }
        defer { server.stop() }
        let (program, wav) = try commandFixtures(dir, segment: #"{"text": "send the deck by friday"}"#)
        try """
            {"id": "from_file", "name": "File App", "capabilities": ["external_integration"],
             "external_integration": {"triggers_on": "transcript_processed", "webhook_url": "\(server.baseURL)/file?k=1"}}
            """.write(toFile: dir.appendingPathComponent("file-app.json").path, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            user: {uid: u_test, name: Alex}
            storage: {path: state/bridge.sqlite}
            transcriber: {backend: command, command: {program: \(program)}}
            webhooks: {transcript_contract: documented}
            apps:
              - file-app.json
              - id: inline
                name: Inline App
                capabilities: [external_integration]
                transcript_contract: backend
                external_integration: {triggers_on: transcript_processed, webhook_url: "\(server.baseURL)/inline"}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["transcribe", wav, "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        let requests = server.requests
        #expect(requests.count == 2)
        let inline = try #require(requests.first { $0.path == "/inline" })
        #expect(inline.target == "/inline?uid=u_test")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(inline.body)) as? [String: Any])
        #expect(body["session_id"] as? String == "u_test")
        #expect((body["segments"] as? [[String: Any]])?.first?["text"] as? String == "send the deck by friday")
        // The file app takes the webhooks-wide documented contract: a real session id in the query and body.
        let file = try #require(requests.first { $0.path == "/file" })
        #expect(file.target.hasPrefix("/file?k=1&session_id=") && file.target.hasSuffix("&uid=u_test"))
        #expect(result.stderr.contains("webhook inline transcript_processed \(server.baseURL)/inline: HTTP 200 in "))
        #expect(result.stderr.contains("notification app.message: Inline App: Noted, thanks for the update."))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("state/bridge.sqlite").path))
    }

    @Test("The whole app flow from a file: transcript webhook → proactive notification (preview generator), memory_creation")
    func wholeFlow() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try LoopbackHTTPServer { request in
            request.path == "/coach"
                ? .reply(status: 200, body: Array(#"{"notification": {"prompt": "You coach {{user_name}}. Facts: {{user_facts}}. One short tip.", "params": ["user_name", "user_facts"]}}"#.utf8))
                : .reply(status: 200, body: Array(#"{"message": "Saved to your notes"}"#.utf8))
        }
        defer { server.stop() }
        let (program, wav) = try commandFixtures(dir, segment: #"{"text": "Can you send me the deck by Friday?"}"#)
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            user: {uid: u_7Kq2, name: Alex, facts: [Works on the deck team]}
            storage: {path: bridge.sqlite}
            webhooks: {audio_bytes_seconds: 1}
            transcriber: {backend: command, command: {program: \(program)}}
            apps:
              - id: app_123
                name: Meeting Coach
                capabilities: [external_integration, proactive_notification]
                external_integration: {triggers_on: transcript_processed, webhook_url: "\(server.baseURL)/coach"}
                proactive_notification: {scopes: [user_name, user_facts]}
              - id: notes
                name: Notes
                capabilities: [external_integration]
                external_integration: {triggers_on: memory_creation, webhook_url: "\(server.baseURL)/memory"}
              - id: recorder
                name: Recorder
                capabilities: [external_integration]
                external_integration: {triggers_on: audio_bytes, webhook_url: "\(server.baseURL)/audio"}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["transcribe", wav, "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("proactive app_123: sent"), "\(result.stderr)")
        #expect(result.stderr.contains("notification app.proactive: Meeting Coach says: [preview — no model configured] You coach Alex."))
        #expect(result.stderr.contains("Facts Alex shared:\n- Works on the deck team"))  // user.facts fill {{user_facts}}
        let memory = try #require(server.requests.first { $0.path == "/memory" })
        #expect(memory.target == "/memory?uid=u_7Kq2")
        let key = try #require(memory.headers["x-omi-idempotency-key"])
        #expect(memory.headers["idempotency-key"] == key && memory.headers["x-omi-event"] == "memory_created")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(memory.body)) as? [String: Any])
        #expect(key == "\(body["id"] as? String ?? "?"):notes")
        #expect((body["transcript_segments"] as? [[String: Any]])?.first?["text"] as? String == "Can you send me the deck by Friday?")
        #expect(result.stderr.contains("notification app.message: Notes: Saved to your notes"))
        // 2.5 s of audio in 1 s chunks: two chunks of just over 32,000 bytes, the rest under a chunk stays.
        let audio = server.requests.filter { $0.path == "/audio" }
        #expect(audio.count == 2, "\(audio.map(\.body.count))")
        #expect(audio.allSatisfy {
            $0.target == "/audio?sample_rate=16000&uid=u_7Kq2" && $0.headers["content-type"] == "application/octet-stream"
                && $0.body.count > 32_000 && $0.body.count % 2 == 0
        })
    }

    @Test("Broken manifests and app settings are reported with the entry, the file, the field and the reason")
    func problems() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"id": "x", "name": "X", "capabilities": ["external_integration"], "external_integration": {"triggers_on": "often"}}"#
            .write(toFile: dir.appendingPathComponent("bad.json").path, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            user: {uid: "has space"}
            webhooks: {conversation_timeout_s: 60}
            apps:
              - bad.json
              - missing.json
              - {id: x, name: Again}
              - {id: x, name: Twice}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["transcribe", "x.wav", "--config", config])
        #expect(result.status == 2)
        for expected in [
            "user.uid: 'has space' is not URL-safe",
            "webhooks.conversation_timeout_s: 60 is below the minimum of 120 seconds",
            "apps[0] (\(dir.path)/bad.json): external_integration.triggers_on: 'often' is not one of",
            "apps[0] (\(dir.path)/bad.json): external_integration.webhook_url: required",
            "apps[1]: \(dir.path)/missing.json: cannot read the manifest file",
            "apps[3]: id 'x' is used by another app",
        ] {
            #expect(result.stderr.contains(expected), "missing: \(expected)\n\(result.stderr)")
        }
    }
}

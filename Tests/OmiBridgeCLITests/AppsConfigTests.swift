import BridgeTesting
import Foundation
import OmiAudio
import Testing

@Suite("Apps in the configuration file: manifests inline and from files, webhooks from transcribe")
struct AppsConfigTests {
    @Test("transcribe sends transcript_processed to the configured apps, as the Omi backend would, and prints each call")
    func transcribeCallsApps() throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try LoopbackHTTPServer { request in
            .reply(status: 200, body: Array(#"{"message": "Noted, thanks for the update."}"#.utf8))
        }
        defer { server.stop() }
        let program = dir.appendingPathComponent("fake-whisper").path
        try "#!/bin/sh\necho '{\"segments\": [{\"text\": \"send the deck by friday\"}]}'\n"
            .write(toFile: program, atomically: true, encoding: .utf8)
        chmod(program, 0o755)
        let wav = dir.appendingPathComponent("t.wav").path
        try AudioFile.writeWAV(
            [Int16](repeating: 0, count: 8000) + TestTone.make(seconds: 1) + [Int16](repeating: 0, count: 16_000), path: wav)
        try """
            {"id": "from_file", "name": "File App", "capabilities": ["external_integration"],
             "external_integration": {"triggers_on": "transcript_processed", "webhook_url": "\(server.baseURL)/file?k=1"}}
            """.write(toFile: dir.appendingPathComponent("file-app.json").path, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("config.yaml").path
        try """
            user: {uid: u_test, name: Alex}
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
        let result = try CLI.run(["transcribe", wav, "--config", config])
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
        #expect(result.stderr.contains("webhook inline transcript_processed → POST 127.0.0.1:\(server.port)/inline?uid=u_test: 200"))
        #expect(result.stderr.contains("app message from Inline App: Noted, thanks for the update."))
    }

    @Test("Broken manifests and app settings are reported with the entry, the file, the field and the reason")
    func problems() throws {
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
        let result = try CLI.run(["transcribe", "x.wav", "--config", config])
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

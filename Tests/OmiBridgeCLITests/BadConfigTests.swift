import Foundation
import Testing

/// Broken configuration files: every problem gets one line naming the file and the key's path, and the exit code is 2.
@Suite("Bad configuration files")
struct BadConfigTests {
    @Test("Missing keys, wrong types, unknown keys and bad URLs: one message per problem, exit 2")
    func problems() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.yaml").path
        try """
            user: {uid: "has space"}
            transcriber: {silence_ms: soon}
            generator: {backend: openai-chat}
            server: {listen: "nowhere", colour: blue}
            apps:
              - id: coach
                name: Coach
                capabilities: [external_integration]
                external_integration: {triggers_on: transcript_processed}
              - id: notes
                name: Notes
                capabilities: [external_integration]
                external_integration: {triggers_on: memory_creation, webhook_url: "ftp://example.com/hook"}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        for command in [["config", "check"], ["run", "--no-serve"]] {
            let result = try await CLI.run(command + ["--config", file])
            #expect(result.status == 2, "\(command): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n").map(String.init)
            for problem in [
                "user.uid: 'has space' is not URL-safe", "transcriber.silence_ms: must be an integer",
                "generator.url: required when generator.backend is openai-chat",
                "server.listen: 'nowhere' is not HOST:PORT", "server.colour: unknown key",
                "apps[0]: external_integration.webhook_url: required", "apps[1]: external_integration.webhook_url: 'ftp://example.com/hook'",
            ] {
                #expect(lines.filter { $0.contains("\(file): \(problem)") }.count == 1, "\(command) missing '\(problem)':\n\(result.stderr)")
            }
        }
    }

    @Test("An unreadable or missing file, and one that is not YAML, are named with exit 2")
    func unreadable() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.yaml").path
        let result = try await CLI.run(["config", "check", "--config", missing])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(missing): cannot read the configuration file"), "\(result.stderr)")
        // A directory cannot be read as a file, even by root.
        let directory = try await CLI.run(["config", "check", "--config", dir.path])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("\(dir.path): cannot read the configuration file"), "\(directory.stderr)")
        let broken = dir.appendingPathComponent("broken.yaml").path
        try "apps: [unclosed\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let yaml = try await CLI.run(["config", "check", "--config", broken])
        #expect(yaml.status == 2)
        #expect(yaml.stderr.contains("\(broken): not valid YAML"), "\(yaml.stderr)")
    }
}

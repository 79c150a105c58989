import BridgeTesting
import Foundation
import OmiAudio
import OmiSimulator
import Testing

/// The dashboard in headless Chromium: opened before the conversation, it follows it live (device, transcript,
/// webhook log with its inspector, the notification and why it fired) and its delete button works.
@Suite("Dashboard in headless Chromium")
struct DashboardTests {
    @Test("A person watching the dashboard sees the conversation, the app's webhook calls and its notification live")
    func followsLive() async throws {
        let bus = try PrivateBus()
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, program) = try LiveRunTests.coach(dir)
        defer { server.stop() }
        let config = try LiveRunTests.config(
            dir, program: program, transcriptURL: "\(server.baseURL)/transcript", memoryURL: "\(server.baseURL)/memory")
        let created = try await CLI.run(["api-keys", "create", "--role", "admin", "--name", "dashboard", "--config", config])
        let key = try #require(created.stdout.split(separator: "\n").first.map(String.init), "\(created.stderr)")
        let log = dir.appendingPathComponent("run.log").path
        let bridge = try CLI.start(["run", "--config", config, "--bus", bus.address, "--stats", "0", "--port", "0"], log: log)
        defer { bridge.terminate() }
        #expect(await eventually { CLI.listeningPort(log) != nil }, "\(LiveRunTests.text(log))")
        let port = try #require(CLI.listeningPort(log))

        let browser = try await HeadlessChromium(url: "http://127.0.0.1:\(port)/#key=\(key)")
        defer { browser.close() }
        // The page is open and live while the bridge still waits for BlueZ; only then does the Omi appear.
        let open = await eventually {
            (try? await browser.evaluate("document.getElementById('link').dataset.state")) == "live"
        }
        // Read until it shows: one DevTools read can fail under the parallel suite's load, and text() is then "".
        let waitsForBlueZ = await eventually { await browser.text().contains("waitingForBlueZ") }
        let waiting = await browser.text()
        #expect(open, "\(waiting)")
        #expect(waitsForBlueZ, "the daemon started before BlueZ and waits for it: \(waiting)")
        var configuration = SimulatorConfiguration()
        configuration.loop = false
        let samples = [Int16](repeating: 0, count: 16_000) + TestTone.make(seconds: 1) + [Int16](repeating: 0, count: 24_000)
        let simulator = try await BlueZSimulator(
            bus: .address(bus.address), configuration: configuration, audio: PCMAudio(samples: samples, sampleRate: 16_000))
        defer { simulator.stop() }
        // Live, streaming, and nobody has spoken yet.
        let streaming = await eventually { await browser.text().contains("streaming") }
        let before = await browser.text()
        #expect(streaming, "\(before)")
        #expect(before.contains("Waiting for speech…"), "\(before)")
        #expect(before.contains("87%") && before.contains("opus 20 ms FS320 (id 21)") && before.contains("MTU\n247"), "\(before)")
        #expect(try await browser.evaluate("document.getElementById('link').dataset.state") == "live")
        #expect(before.contains("-58 dBm"), "the RSSI the simulated Omi was found with: \(before)")
        #expect(!before.contains(key), "the key is not left in the page")

        // The conversation arrives while the page is open.
        let spoken = await eventually { await browser.text().contains("remember the deck") }
        let notified = await eventually { await browser.text().contains("Coach says") }
        let after = await browser.text()
        #expect(spoken && notified, "\(after)")
        #expect(after.contains("coach\ttranscript_processed\t200"), "\(after)")
        #expect(after.contains("Hello Alex"), "\(after)")
        #expect(after.contains("sent"), "why it fired: \(after)")
        #expect(!after.contains("Waiting for speech…"))

        // The webhook inspector shows what the app got and answered.
        _ = try await browser.evaluate("document.querySelector('#webhooks tr').click(), 'ok'")
        let inspector = try await browser.evaluate("document.getElementById('inspector').innerText")
        #expect(inspector.contains(#""text":"remember the deck""#) || inspector.contains(#""text": "remember the deck""#), "\(inspector)")
        #expect(inspector.contains("Hello {{user_name}}"), "\(inspector)")

        let shot = try await browser.screenshot()
        #expect(shot.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        if let target = ProcessInfo.processInfo.environment["OMI_DASHBOARD_SCREENSHOT"] {
            try shot.write(to: URL(fileURLWithPath: target))
        }

        // Delete the notification from the page: it leaves the feed, in the page and in the database.
        _ = try await browser.evaluate("document.querySelector('#feed tr.notification button:last-child').click(), 'ok'")
        let deleted = await eventually { await browser.text().contains("No notifications yet.") }
        let emptied = await browser.text()
        #expect(deleted, "\(emptied)")
        let feed = try await CLI.run(["feed", "--config", config, "--json"])
        #expect(feed.stdout.isEmpty, "\(feed.stdout)")
    }

    @Test("Without a key the page asks for one and shows no data")
    func asksForKey() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try "storage: {path: bridge.sqlite}\n".write(toFile: config, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("serve.log").path
        let serve = try CLI.start(["serve", "--config", config, "--port", "0"], log: log)
        defer { serve.terminate() }
        #expect(await eventually { CLI.listeningPort(log) != nil })
        let port = try #require(CLI.listeningPort(log))
        let browser = try await HeadlessChromium(url: "http://127.0.0.1:\(port)/dashboard#key=omb_wrong")
        defer { browser.close() }
        let asked = await eventually { await browser.text().contains("Paste an API key") }
        let page = await browser.text()
        #expect(asked, "\(page)")
        let hidden = try await browser.evaluate("String(document.getElementById('board').hidden)")
        #expect(hidden == "true")
    }
}

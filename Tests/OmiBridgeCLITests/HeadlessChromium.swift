import Foundation
import Logging
import NIOCore
import Synchronization
import WSClient

/// Debian's `chromium` (scripts/bootstrap installs it) in headless mode, driven over the DevTools protocol: the
/// dashboard test reads what a person would see (`document.body.innerText`), clicks, and takes screenshots.
final class HeadlessChromium: Sendable {
    static let executable = "/usr/bin/chromium"
    private let process: Process
    private let profile: URL
    let pageSocket: String

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Opens `url` in a new headless browser; waits up to 30 s for its DevTools endpoint and page.
    init(url: String, size: (Int, Int) = (1280, 1100)) async throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("omi-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let log = profile.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        // Niced: a browser's start-up can take both cores for seconds, and the other tests of the parallel run, with
        // their deadlines, must not starve meanwhile.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        process.arguments = [
            "-n", "15", Self.executable,
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0", "--remote-allow-origins=*",
            "--user-data-dir=\(profile.path)", "--window-size=\(size.0),\(size.1)", url,
        ]
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var browser: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while browser == nil, ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            browser = text.split(separator: "\n").first { $0.contains("DevTools listening on ws://") }
                .map { String($0[$0.range(of: "ws://")!.lowerBound...]) }
            if browser == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let browser, let port = URL(string: browser)?.port else {
            process.terminate()
            throw Failure(description: "chromium did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        // The page's socket, from the browser's target list (its /json HTTP endpoint's headers confuse
        // FoundationNetworking).
        var page: String?
        while page == nil, ContinuousClock.now < deadline {
            let result = try await Self.command("Target.getTargets", [:], socket: browser)
            let targets = result["targetInfos"] as? [[String: Any]] ?? []
            page = targets.first { $0["type"] as? String == "page" }?["targetId"].map { "ws://127.0.0.1:\(port)/devtools/page/\($0)" }
            if page == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let page else { throw Failure(description: "chromium opened no page") }
        pageSocket = page
    }

    /// Sends one DevTools command to the page and returns its `result`.
    func command(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        try await Self.command(method, params, socket: pageSocket)
    }

    static func command(_ method: String, _ params: [String: Any], socket: String) async throws -> [String: Any] {
        let request = String(
            decoding: try JSONSerialization.data(withJSONObject: ["id": 1, "method": method, "params": params]), as: UTF8.self)
        let reply = Mutex<String?>(nil)
        _ = try await WebSocketClient.connect(
            url: socket, configuration: .init(maxFrameSize: 1 << 24), logger: Logger(label: "chromium")
        ) { inbound, outbound, _ in
            try await outbound.write(.text(request))
            for try await message in inbound.messages(maxSize: 1 << 26) {
                guard case .text(let text) = message,
                    let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                    object["id"] as? Int == 1
                else { continue }
                reply.withLock { $0 = text }
                return
            }
        }
        guard let text = reply.withLock({ $0 }),
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { throw Failure(description: "\(method): no reply") }
        if let error = object["error"] { throw Failure(description: "\(method): \(error)") }
        return object["result"] as? [String: Any] ?? [:]
    }

    /// The value of a JavaScript expression, as a string.
    func evaluate(_ expression: String) async throws -> String {
        let result = try await command("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        let value = (result["result"] as? [String: Any])?["value"]
        return value.map { "\($0)" } ?? ""
    }

    /// What a person sees: the page's rendered text.
    func text() async -> String { (try? await evaluate("document.body.innerText")) ?? "" }

    /// A PNG of the page as rendered.
    func screenshot() async throws -> Data {
        let result = try await command("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot data")
        }
        return data
    }

    /// Stops the browser without blocking a cooperative thread (the reap happens on a thread of its own).
    func close() {
        process.terminate()
        let (process, profile) = (process, profile)
        Thread {
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: profile)
        }.start()
    }
}

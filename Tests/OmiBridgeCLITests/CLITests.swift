import Foundation
import OmiAudio
import Testing

/// Runs the real `omi-bridge` binary that `swift build` put beside the test bundle.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("omi-bridge")
    }

    /// Runs the binary to completion off Swift's cooperative threads (a blocked cooperative thread would starve
    /// the async tests running in parallel on a 2-core machine), reading stdout and stderr at once so neither
    /// pipe can fill up and stall the child.
    static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return await withCheckedContinuation { continuation in
            let stderrDone = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var stderr = Data()  // written by the reader thread before it signals
            Thread {
                stderr = err.fileHandleForReading.readDataToEndOfFile()
                stderrDone.signal()
            }.start()
            Thread {
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                stderrDone.wait()
                process.waitUntilExit()
                continuation.resume(
                    returning: Result(
                        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                        stderr: String(decoding: stderr, as: UTF8.self)))
            }.start()
        }
    }

    /// The port of `serve`'s "listening on http://127.0.0.1:PORT" line, once it is in `log`.
    static func listeningPort(_ log: String) -> Int? {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("listening on http://127.0.0.1:") }
            .flatMap { Int($0.split(separator: ":").last ?? "") }
    }

    /// Starts the binary in the background (for `simulate`); terminate it when done.
    /// Output goes to `log` when given (so a failing test can show what the program said), else nowhere.
    static func start(_ arguments: [String], environment: [String: String]? = nil, log: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let log, FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) {
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    static func tempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omi-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite("omi-bridge encode / replay")
struct CLITests {
    @Test("encode then replay --json reports the frames, losses and audio of the capture")
    func encodeReplay() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("in.wav")
        let samples = (0..<32_000).map { Int16(6000 * sin(2 * Double.pi * 300 * Double($0) / 16_000)) }
        try AudioFile.writeWAV(samples, path: wav.path)
        let cap = dir.appendingPathComponent("in.omicap").path

        let encode = try await CLI.run(["encode", wav.path, "--out", cap, "--mtu", "100", "--loss", "10%", "--seed", "4"])
        #expect(encode.status == 0, "\(encode.stderr)")
        #expect(encode.stdout.contains("100 frames"))

        let out = dir.appendingPathComponent("out.wav").path
        let raw = dir.appendingPathComponent("out.pcm").path
        let replay = try await CLI.run(["replay", cap, "--json", "--wav-out", out, "--pcm-out", raw])
        #expect(replay.status == 0, "\(replay.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as! [String: Any]
        let report = json["report"] as! [String: Any]
        let pipeline = report["pipeline"] as! [String: Any]
        let reassembly = pipeline["reassembly"] as! [String: Any]
        #expect(pipeline["codec"] as? Int == 21)
        #expect((reassembly["lostNotifications"] as! Int) > 0)
        let decoded = try PCMAudio.load(path: out).audio
        #expect(abs(decoded.samples.count - samples.count) <= 320)
        #expect(try PCMAudio.load(path: raw).audio == decoded)

        let text = try await CLI.run(["replay", cap, "--loss-mode", "drop"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("dropped"))
        #expect(text.stdout.contains("x real time"))
    }

    @Test("Bad arguments exit 2 with a one-line reason naming the option", arguments: [
        (["encode", "x.wav", "--out", "y", "--codec", "7"], "--codec: unknown Omi codec id 7"),
        (["encode", "x.wav", "--out", "y", "--mtu", "5"], "--mtu: 5 is outside the ATT MTU range 23…517"),
        (["encode", "x.wav", "--out", "y", "--loss", "2"], "--loss: '2' is not a probability"),
        (["replay", "x.omicap", "--speed", "fast"], "--speed: 'fast' is neither 'max' nor a positive number"),
        (["replay", "x.omicap", "--loss-mode", "maybe"], "--loss-mode"),
        (["frobnicate"], "Unexpected argument 'frobnicate'"),
    ])
    func usageErrors(arguments: [String], message: String) async throws {
        let result = try await CLI.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("Unreadable and damaged files exit 1 naming the file; a truncated capture still replays its intact part")
    func runtimeErrors() async throws {
        let dir = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try await CLI.run(["replay", dir.appendingPathComponent("nope.omicap").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("omi-bridge: \(dir.path)/nope.omicap: cannot read"))

        let capture = try OmiCapture.encode(PCMAudio(samples: [Int16](repeating: 100, count: 16_000))).capture
        let cut = dir.appendingPathComponent("cut.omicap")
        try Data(capture.serialized().dropLast(7)).write(to: cut)
        let truncated = try await CLI.run(["replay", cut.path, "--json"])
        #expect(truncated.status == 1)
        #expect(truncated.stderr.contains("truncated record at byte offset"))
        let json = try JSONSerialization.jsonObject(with: Data(truncated.stdout.utf8)) as! [String: Any]
        #expect((json["report"] as! [String: Any])["notifications"] as? Int == capture.records.count - 1)

        let notWav = dir.appendingPathComponent("bad.wav")
        try Data("not audio".utf8).write(to: notWav)
        let bad = try await CLI.run(["encode", notWav.path, "--out", dir.appendingPathComponent("o").path])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("omi-bridge: \(notWav.path): cannot read audio: "))
    }
}

import ArgumentParser
import AsyncHTTPClient
import BridgeTesting
import Foundation
import Glibc
import NIOCore
import OmiApps
import OmiAudio
import Synchronization
import Transcription

/// `omi-bridge bench-webhooks`: the `transcript_processed` path through the real HTTP stack (bench/webhooks/run
/// prints the tables). Two modes:
/// - `latency FILE`: the file through the pipeline at real-time pace, the transcription stage with a stub
///   recognizer that answers at once, the `TranscriptTrigger` on its production cadence and the real
///   `WebhookClient`, to a receiver in this process that stamps each POST on the same monotonic clock. Per
///   segment: from the push of the notification whose audio decided its utterance to the POST holding it being
///   read, without recognition time, split into the stage, the wait for the cadence's tick and the delivery.
/// - `throughput`: deliveries/s of small `transcript_processed` bodies with 64 in flight, `WebhookClient.post`
///   next to a plain AsyncHTTPClient loop (the baseline) and, when given, wrk, all against the same receiver.
struct BenchWebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-webhooks",
        abstract: "Benchmark: end of utterance → webhook POST received, and deliveries/s; prints JSON.",
        shouldDisplay: false)

    @Argument(help: "latency or throughput.")
    var mode: String

    @Argument(help: "latency: an audio file (encoded on the fly as codec 21, MTU 247).")
    var file: String?

    @Option(name: .customLong("silence-ms"), help: "latency: silence that ends an utterance, in milliseconds.")
    var silenceMilliseconds = 600

    @Option(name: .customLong("interval-ms"), help: "latency: the trigger's cadence (production: 1000).")
    var intervalMilliseconds = 1000

    @Option(name: .long, help: "throughput: requests per run.")
    var requests = 20_000

    @Option(name: .long, help: "throughput: requests in flight (production limit: 64).")
    var concurrency = 64

    @Option(name: .long, help: "throughput: runs of each client (the JSON keeps every run).")
    var repeats = 3

    @Option(name: .long, help: "throughput: path of wrk, to add it as a second baseline.")
    var wrk: String?

    @Option(name: .customLong("wrk-seconds"), help: "throughput: duration of each wrk run.")
    var wrkSeconds = 5

    func run() async throws {
        switch mode {
        case "latency":
            guard let file else { throw CLIFailure("latency needs an audio file", exitCode: 2) }
            try await latency(file)
        case "throughput": try await throughput()
        default: throw CLIFailure("mode: latency or throughput", exitCode: 2)
        }
    }

    // MARK: latency

    private func latency(_ file: String) async throws {
        let receiver = try BenchReceiver(keepBodies: true)
        defer { receiver.stop() }
        let capture = try ReplayCommand.loadCapture(file)
        let pipeline: AudioPipeline
        do {
            pipeline = try AudioPipeline(
                configuration: DecoderConfiguration(codec: capture.codec, mtu: capture.mtu), outputPolicy: .waitWhenFull)
        } catch { throw CLIFailure(error.description) }
        var endpointing = EndpointerConfiguration()
        endpointing.silenceMilliseconds = silenceMilliseconds
        let timings = Mutex<[TranscriptionStage.Timing]>([])
        let stage = TranscriptionStage(transcriber: InstantTranscriber(), configuration: endpointing) { timing in
            timings.withLock { $0.append(timing) }
        }
        let app = AppManifest(
            id: "bench", name: "bench", capabilities: ["external_integration"], trigger: .transcriptProcessed,
            webhookURL: "http://127.0.0.1:\(receiver.port)/webhook")
        let client = WebhookClient()
        let ticks = TickLog()
        let sink = CountingSink()
        let trigger = TranscriptTrigger(
            apps: [app], uid: "bench-uid", sessionID: "bench-session", client: client, sink: sink,
            clock: TickClock(log: ticks), interval: .milliseconds(intervalMilliseconds))
        let runner = Task { await trigger.run() }

        stage.attach(pipeline)
        pipeline.start()
        let pushed = BenchTranscribeCommand.PushLog(capacity: capture.records.count)
        CaptureReplay.feed(capture.records, into: pipeline, speed: .factor(1)) { pushed.record($0, .now) }
        // As AppsSession hands segments over: in order, each as soon as the stage yields it.
        var submitted: [Int: ContinuousClock.Instant] = [:]
        for await segment in stage.segments {
            await trigger.submit(segment)
            if let k = InstantTranscriber.index(segment.text) { submitted[k] = .now }
        }
        await stage.finish()
        // The end of input flushes at once (`finish()`), not on a tick: that flush counts as a tick.
        let finishing = ContinuousClock.now
        await trigger.finish()
        await runner.value
        await client.shutdown()

        // The POST that carried each segment; the first tick after its submission is the one whose flush sent it.
        var arrivals: [Int: ContinuousClock.Instant] = [:]
        var posts = 0
        for request in receiver.arrivals {
            posts += 1
            for k in Self.segmentIndexes(request.body) where arrivals[k] == nil { arrivals[k] = request.at }
        }
        let tickTimes = ticks.times
        let snapshot = pipeline.snapshot()
        let framesPerRecord = Double(snapshot.decode.decodedFrames) / Double(max(1, capture.records.count))
        guard abs(framesPerRecord - 1) < 0.001 else { throw CLIFailure("expected one frame per notification") }

        var endToEnd: [Double] = [], stagePart: [Double] = [], cadence: [Double] = [], delivery: [Double] = []
        var beyond: [Double] = []
        var missing = 0
        var previousEnd: ContinuousClock.Instant?
        for (k, t) in timings.withLock({ $0 }).enumerated() {
            defer { previousEnd = t.recognitionEnded }
            let record = Int((t.decidedAtSample - 1) / 320)
            guard let pushedAt = pushed[min(record, capture.records.count - 1)], let sub = submitted[k] else { continue }
            guard let arrived = arrivals[k] else {
                missing += 1
                continue
            }
            // Recognition, and waiting for the recognizer to finish the previous utterance, are not ours.
            let wait = previousEnd.map { max(0, t.decided.duration(to: $0).seconds) } ?? 0
            let recognition = t.recognitionStarted.duration(to: t.recognitionEnded).seconds + wait
            let tick = (tickTimes + [finishing]).first { $0 >= sub && $0 <= arrived } ?? sub
            let total = (pushedAt.duration(to: arrived).seconds - recognition) * 1000
            let ownStage = (pushedAt.duration(to: sub).seconds - recognition) * 1000
            let tickWait = sub.duration(to: tick).seconds * 1000
            endToEnd.append(total)
            stagePart.append(ownStage)
            cadence.append(tickWait)
            delivery.append(tick.duration(to: arrived).seconds * 1000)
            beyond.append(total - tickWait)
        }
        let result: [String: Any] = [
            "file": file, "silence_ms": silenceMilliseconds, "interval_ms": intervalMilliseconds,
            "audio_s": snapshot.decodedSeconds, "utterances": timings.withLock { $0.count }, "segments": submitted.count,
            "samples": endToEnd.count, "missing": missing, "posts": posts, "ticks": tickTimes.count,
            "webhook_failures": sink.failures, "end_to_end": Self.summary(endToEnd), "stage": Self.summary(stagePart),
            "cadence_wait": Self.summary(cadence), "delivery": Self.summary(delivery),
            "beyond_cadence": Self.summary(beyond),
            "raw_ms": ["end_to_end": endToEnd, "beyond_cadence": beyond, "cadence_wait": cadence],
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// The stub's utterance numbers in one `transcript_processed` body (backend contract: `{"segments": [...]}`).
    static func segmentIndexes(_ body: [UInt8]) -> [Int] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let segments = object["segments"] as? [[String: Any]]
        else { return [] }
        return segments.compactMap { ($0["text"] as? String).flatMap(InstantTranscriber.index) }
    }

    static func summary(_ values: [Double]) -> [String: Double] {
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
        return [
            "p50": percentile(0.5), "p90": percentile(0.9), "p99": percentile(0.99), "max": sorted.last ?? 0,
            "min": sorted.first ?? 0, "mean": sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count),
        ]
    }

    // MARK: throughput

    private func throughput() async throws {
        let receiver = try BenchReceiver(keepBodies: false)
        defer { receiver.stop() }
        let url = WebhookURL.transcript(
            "http://127.0.0.1:\(receiver.port)/webhook", uid: "bench-uid", sessionID: "bench-session", contract: .backend)
        let segment = TranscriptSegment(text: "Can you send me the deck by Friday?", start: 1.25, end: 3.5, sttProvider: "bench")
        let body = WebhookPayloads.transcript([segment], sessionID: "bench-uid", contract: .backend)
        let request = WebhookRequest(url: url, body: body)
        let n = requests, width = concurrency

        // The baseline: AsyncHTTPClient as WebhookClient configures it, without the limiter, classification or
        // the response struct; the same pool size, the same request.
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2), read: .seconds(15)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.decompression = .disabled
        let plain = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let webhook = WebhookClient(maxInFlight: width)
        let plainPost: @Sendable () async -> Bool = {
            var http = HTTPClientRequest(url: url)
            http.method = .POST
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(bytes: body))
            guard let response = try? await plain.execute(http, timeout: .seconds(17)),
                (try? await response.body.collect(upTo: 2 << 20)) != nil
            else { return false }
            return response.status.code == 200
        }
        let bridgePost: @Sendable () async -> Bool = {
            if case .success(let answer) = await webhook.post(request) { return answer.status == 200 }
            return false
        }
        // Warm both pools (connections made, code paged in) before anything is timed.
        _ = await Self.windowed(1_000, width: width, plainPost)
        _ = await Self.windowed(1_000, width: width, bridgePost)

        var runs: [[String: Any]] = []
        for round in 0..<repeats {
            var rows: [(String, () async -> (Double, Int))] = [
                ("plain", { await Self.windowed(n, width: width, plainPost) }),
                ("bridge", { await Self.windowed(n, width: width, bridgePost) }),
                ("bridge_all_at_once", { await Self.allAtOnce(n, bridgePost) }),
            ]
            if round % 2 == 1 { rows.swapAt(0, 1) }
            for (name, body) in rows {
                let before = receiver.count
                let cpu0 = Self.cpuSeconds()
                let (seconds, failures) = await body()
                let cpu = Self.cpuSeconds() - cpu0
                runs.append([
                    "client": name, "round": round, "requests": n, "received": receiver.count - before,
                    "failures": failures, "seconds": seconds, "per_s": Double(n - failures) / seconds,
                    "cpu_s": cpu, "concurrency": width,
                ])
            }
            if let wrk {
                let before = receiver.count
                let (perSecond, text) = try Self.runWrk(wrk, url: url, body: body, connections: width, seconds: wrkSeconds)
                runs.append([
                    "client": "wrk", "round": round, "received": receiver.count - before, "per_s": perSecond,
                    "seconds": Double(wrkSeconds), "concurrency": width, "output": text,
                ])
            }
        }
        await webhook.shutdown()
        try? await plain.shutdown()
        let result: [String: Any] = [
            "requests": n, "concurrency": width, "body_bytes": body.count, "connections": receiver.connections,
            "runs": runs,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// `n` calls with `width` in flight at any time: wall seconds and failures.
    static func windowed(_ n: Int, width: Int, _ call: @escaping @Sendable () async -> Bool) async -> (Double, Int) {
        let began = ContinuousClock.now
        let failures = await withTaskGroup(of: Bool.self) { group in
            var started = 0, failed = 0
            while started < min(width, n) {
                group.addTask { await call() }
                started += 1
            }
            while let ok = await group.next() {
                if !ok { failed += 1 }
                if started < n {
                    group.addTask { await call() }
                    started += 1
                }
            }
            return failed
        }
        return ((ContinuousClock.now - began).seconds, failures)
    }

    /// `n` calls started together: WebhookClient's own limiter keeps 64 in flight, as when many apps fire at once.
    static func allAtOnce(_ n: Int, _ call: @escaping @Sendable () async -> Bool) async -> (Double, Int) {
        let began = ContinuousClock.now
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<n { group.addTask { await call() } }
            var failed = 0
            for await ok in group where !ok { failed += 1 }
            return failed
        }
        return ((ContinuousClock.now - began).seconds, failures)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// wrk with the same POST (its Lua script sets method, header and body): requests/s and its report.
    static func runWrk(_ path: String, url: String, body: [UInt8], connections: Int, seconds: Int) throws -> (Double, String) {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("bench-webhooks-\(getpid()).lua")
        let escaped = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "]]", with: "] ]")
        try "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [[\(escaped)]]\n"
            .write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-t", "2", "-c", "\(connections)", "-d", "\(seconds)s", "-s", script.path, url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
        let value = line.flatMap { Double($0.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces)) }
        guard let value else { throw CLIFailure("wrk: no Requests/sec in its output:\n\(text)") }
        return (value, text)
    }
}

/// A recognizer that answers at once: one span per utterance, numbered, so each POST says which utterances it
/// carried. Recognition time is ~0, and subtracted anyway.
final class InstantTranscriber: Transcriber {
    let name = "bench-stub"
    private let next = Atomic<Int>(0)
    private static let prefix = "benchmark utterance number "

    func transcribe(_ samples: [Int16]) async throws(TranscriberError) -> [RecognizedSpan] {
        let k = next.add(1, ordering: .relaxed).oldValue
        return [RecognizedSpan(text: Self.prefix + String(k))]
    }

    static func index(_ text: String) -> Int? {
        text.hasPrefix(prefix) ? Int(text.dropFirst(prefix.count)) : nil
    }
}

/// ContinuousClock, recording when each sleep ended: the trigger flushes right after, so these are its ticks.
struct TickClock: Clock {
    typealias Instant = ContinuousClock.Instant
    let log: TickLog
    private let base = ContinuousClock()

    init(log: TickLog) { self.log = log }

    var now: Instant { base.now }
    var minimumResolution: Duration { base.minimumResolution }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await base.sleep(until: deadline, tolerance: tolerance)
        log.record(base.now)
    }
}

final class TickLog: Sendable {
    private let log = Mutex<[ContinuousClock.Instant]>([])
    func record(_ instant: ContinuousClock.Instant) { log.withLock { $0.append(instant) } }
    var times: [ContinuousClock.Instant] { log.withLock { $0 } }
}

/// Counts failed webhook calls; everything else a sink would do is not on the measured path.
final class CountingSink: AppEventSink {
    private let failed = Atomic<Int>(0)
    var failures: Int { failed.load(ordering: .relaxed) }

    func webhookCalled(_ call: WebhookCall) async {
        if case .success(let answer) = call.result, answer.status == 200 { return }
        failed.add(1, ordering: .relaxed)
    }
    func appMessage(app: AppManifest, text: String, conversationID: String?, alongsideNotification: Bool) async {}
    func proactiveRequested(app: AppManifest, notification: [UInt8]) async {}
    func storeFailed(_ message: String) async {}
}

/// The webhook receiver: HTTP/1.1 with keep-alive on 127.0.0.1 (BridgeTesting's loopback listener, a thread per
/// connection), answers `200 {}` to each request and stamps it (ContinuousClock) once its whole body has been read.
final class BenchReceiver: Sendable {
    struct Arrival: Sendable {
        var at: ContinuousClock.Instant
        var body: [UInt8]
    }

    /// What the connection threads record.
    private final class Log: Sendable {
        let arrivals = Mutex<[Arrival]>([])
        let received = Atomic<Int>(0)
    }

    private let server: LoopbackTCPServer
    private let log: Log

    init(keepBodies: Bool) throws {
        let log = Log()
        self.log = log
        server = try LoopbackTCPServer(backlog: 512) { connection in
            var yes: Int32 = 1
            setsockopt(connection.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            while let request = LoopbackHTTPServer.readRequest(from: connection) {
                let now = ContinuousClock.now
                log.received.add(1, ordering: .relaxed)
                if keepBodies { log.arrivals.withLock { $0.append(Arrival(at: now, body: request.body)) } }
                guard connection.write(Self.reply) else { return }
            }
        }
    }

    var port: Int { server.port }
    var count: Int { log.received.load(ordering: .relaxed) }
    var connections: Int { server.connectionCount }
    var arrivals: [Arrival] { log.arrivals.withLock { $0 } }

    func stop() { server.stop() }

    private static let reply = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
}

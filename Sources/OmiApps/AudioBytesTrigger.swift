public import Foundation

/// `audio_bytes` (omi-contract §3.4): decoded PCM16 is buffered and, once the buffer holds more than
/// `sampleRate × seconds × 2` bytes, sent whole to every app with that trigger and cleared. The answer is ignored.
/// Latest wins: a chunk that could not be sent before the next one is ready is replaced by it; at most 8 apps are
/// sent to at once.
public actor AudioBytesTrigger {
    public let apps: [AppManifest]
    public let sampleRate: Int
    /// Bytes that must be exceeded before a chunk goes out (128,000 at 16 kHz and 4 s).
    public let thresholdBytes: Int
    private let uid: String
    private let client: WebhookClient
    private let sink: any AppEventSink
    private let upstreamURLQuirk: Bool
    private let breakers: CircuitBreakerRegistry
    private let now: @Sendable () -> Date
    private let upstreamBreaker: Bool
    private let fanOut = AsyncLimiter(permits: 8)
    private var buffer: [Int16] = []
    private var slots: [String: AsyncStream<[UInt8]>.Continuation] = [:]
    private var streams: [String: AsyncStream<[UInt8]>] = [:]
    /// Chunks cut from the buffer so far.
    public private(set) var chunksCut = 0

    /// - Parameters:
    ///   - seconds: the chunk length (default 4 s; older upstream used 5).
    ///   - upstreamURLQuirk: append `?` even when the URL has a query, as upstream does (omi-contract §8).
    ///   - upstreamBreaker: count any HTTP answer as a breaker success, as upstream; by default a non-2xx fails.
    public init(
        apps: [AppManifest], uid: String, client: WebhookClient, sink: any AppEventSink, sampleRate: Int = 16_000,
        seconds: Int = 4, upstreamURLQuirk: Bool = false, breakers: CircuitBreakerRegistry = CircuitBreakerRegistry(),
        now: @escaping @Sendable () -> Date = { Date() }, upstreamBreaker: Bool = false
    ) {
        self.apps = apps.filter { $0.hasWebhook && $0.trigger == .audioBytes }
        self.uid = uid
        self.client = client
        self.sink = sink
        self.sampleRate = sampleRate
        thresholdBytes = sampleRate * seconds * 2
        self.upstreamURLQuirk = upstreamURLQuirk
        self.breakers = breakers
        self.now = now
        self.upstreamBreaker = upstreamBreaker
        for app in self.apps {
            // One unsent chunk per app at most: a newer one replaces it (latest wins).
            let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(1))
            streams[app.id] = stream
            slots[app.id] = continuation
        }
    }

    /// Decoded audio, in order.
    public func submit(_ samples: some Collection<Int16>) {
        guard !apps.isEmpty else { return }
        buffer.append(contentsOf: samples)
        if buffer.count * 2 > thresholdBytes {
            let chunk = WebhookPayloads.audio(buffer)
            buffer.removeAll(keepingCapacity: true)
            chunksCut += 1
            for continuation in slots.values { continuation.yield(chunk) }
        }
    }

    /// Sends chunks until `finish()`.
    public func run() async {
        let streams = self.streams
        await withTaskGroup(of: Void.self) { group in
            for app in apps {
                guard let stream = streams[app.id] else { continue }
                group.addTask { [self] in
                    for await chunk in stream { await send(chunk, to: app) }
                }
            }
        }
    }

    /// Lets the queued chunks go out and `run()` return; audio still in the buffer (under a chunk) is not sent,
    /// as upstream.
    public func finish() {
        for continuation in slots.values { continuation.finish() }
    }

    private func send(_ chunk: [UInt8], to app: AppManifest) async {
        guard let url = app.webhookURL else { return }
        let sentAt = now()
        let request = WebhookRequest(
            url: WebhookURL.audioBytes(url, uid: uid, sampleRate: sampleRate, upstreamQuirk: upstreamURLQuirk),
            body: chunk, contentType: "application/octet-stream",
            headers: WebhookSigner.headers(
                body: chunk, uid: uid, secrets: app.signingSecrets, event: AppTrigger.audioBytes.eventName,
                delivery: UUID().uuidString.lowercased(), now: sentAt))
        guard breakers.shouldAllow(url: request.url, now: sentAt) else {
            await sink.webhookCalled(
                WebhookCall(app: app, trigger: .audioBytes, request: request, result: .failure(.circuitOpen(url)), response: nil))
            return
        }
        await fanOut.acquire()
        let result = await client.post(request)
        await fanOut.release()
        let status = try? result.get().status
        breakers.record(url: request.url, success: status.map { upstreamBreaker || (200...299).contains($0) } ?? false, now: now())
        await sink.webhookCalled(WebhookCall(app: app, trigger: .audioBytes, request: request, result: result, response: nil))
    }
}

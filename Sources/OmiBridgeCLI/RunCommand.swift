import ArgumentParser
import AsyncHTTPClient
import BlueZ
import DBusKit
import Foundation
import Logging
import Notifications
import OmiAudio
import OmiDevice
import Store
import Synchronization

/// `omi-bridge run`: connect to an Omi and run the audio pipeline, reconnecting for ever.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Connect to an Omi (the configured address, or the first found) and run the pipeline.",
        discussion: "Logs connection changes, MTU, codec and battery; prints audio statistics every --stats seconds. "
            + "Ctrl-C (SIGINT) or SIGTERM disconnects cleanly.")

    @OptionGroup var ble: BLEOptions

    @Option(name: .long, help: "Configuration file (YAML). Keys: see docs/configuration.md.")
    var config: String?

    @Option(name: .long, help: "Connect only to this Bluetooth address.")
    var address: String?

    @Option(name: .long, help: "auto (AcquireNotify, falling back to StartNotify), acquire, or start.")
    var notify: NotifyMode?

    @Option(name: .long, help: "Stop after this many seconds (default: run until interrupted).")
    var duration: Double?

    @Option(name: .long, help: "Seconds between audio statistics lines (0: never).")
    var stats: Double = 10

    @Option(name: .customLong("wav-out"), help: "Also write the decoded audio to this WAV file on exit.")
    var wavOut: String?

    @Flag(
        name: .customLong("no-transcribe"),
        help: "Only decode: no transcription, so no app webhooks (the transcriber and apps come from --config).")
    var noTranscribe = false

    func run() async throws {
        var settings = try BridgeSettings.load(config)
        if let address { settings.address = address }
        if let notify { settings.notify = notify }
        if let adapter = ble.adapter { settings.adapter = adapter }
        let bus: DBusBus = (ble.bus ?? settings.bus).map(DBusBus.address) ?? .system
        let client: BlueZClient
        do { client = try await BlueZClient(bus: bus) } catch { throw CLIFailure(error.message) }

        // Device notifications (battery low, disconnected) and the apps' notifications go through the notification
        // centre, whose channels include buzzing this very Omi; queued deliveries stay in the database for the next
        // run or `serve`.
        let database: BridgeDatabase
        do { database = try BridgeDatabase(path: settings.storagePath) } catch { throw CLIFailure(error.description) }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let haptic = OmiHaptic()
        let channels = settings.notifications.channels(http: http, haptic: haptic)
        let centre = settings.notifications.centre(
            database: database, channels: channels, logger: Logger(label: "omi-bridge.notifications"))
        let (transcription, apps) = try liveStages(settings, database: database, centre: centre)
        let collected = transcription == nil ? PCMCollector(keep: wavOut != nil) : nil
        let consumer = PipelineConsumer(lossMode: settings.lossMode) { pipeline in
            if let transcription { transcription.attach(pipeline) } else { collected?.attach(pipeline) }
        }
        var configuration = OmiDeviceConfiguration()
        configuration.address = settings.address
        configuration.adapter = settings.adapter
        configuration.notifyMode = settings.notify
        let session = OmiDeviceSession(client: client, configuration: configuration, consumer: consumer)
        haptic.attach(session)
        log("connecting via the \(bus)"
            + (settings.address.map { " to \($0)" } ?? " to the first Omi found"))
        let deliveries = Task { await centre.worker.run() }
        let uid = settings.apps.uid
        let stopping = Mutex(false)  // our own disconnect at the end is not an alert
        let systemd = SystemdNotifier()
        systemd.ready(status: "looking for an Omi")
        let events = Task {
            var alerts = DeviceAlerts(userID: uid)
            for await event in session.events {
                log(event.description)
                switch event {
                case .connected(let address, let name, _):
                    alerts.connected(address: address, name: name)
                    systemd.status("streaming from \(address)")
                case .battery(let level):
                    if let alert = alerts.battery(level) { await centre.deliver(alert) }
                case .disconnected(let reason):
                    if !stopping.withLock({ $0 }), let alert = alerts.disconnected(reason: reason) {
                        await centre.deliver(alert)
                    }
                    systemd.status("reconnecting (\(reason))")
                case .state(.waitingForBlueZ): systemd.status("waiting for BlueZ")
                default: break
                }
            }
        }
        let watchdog = Task {
            guard let interval = systemd.watchdogInterval else { return }
            while !Task.isCancelled {
                systemd.watchdog()
                try? await Task.sleep(for: interval)
            }
        }
        let runner = Task { await session.run() }
        let reporter = Task {
            guard stats > 0 else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(stats * 1000)))
                if Task.isCancelled { return }
                if let snapshot = consumer.pipeline?.snapshot() { log(Self.statsLine(snapshot)) }
            }
        }
        await SignalTrap.waitForTermination(orAfter: duration)
        log("stopping")
        stopping.withLock { $0 = true }
        systemd.stopping()
        watchdog.cancel()
        reporter.cancel()
        await session.stop()
        await runner.value
        // Flush the pipeline: the decoder drains, the last utterance is transcribed, the apps get what is pending,
        // the open conversation closes into the outbox (durable; delivered now or by the next run).
        consumer.finish()
        await transcription?.finish()
        await apps?.finish()
        events.cancel()
        deliveries.cancel()
        await deliveries.value
        await channels.close()
        try? await http.shutdown()
        if let snapshot = consumer.pipeline?.snapshot() { log(Self.statsLine(snapshot)) }
        if let wavOut {
            collected?.waitUntilDrained()
            let samples = transcription?.samples ?? collected?.samples ?? []
            try catching { try AudioFile.writeWAV(samples, path: wavOut) }
            log("wrote \(wavOut)")
        }
    }

    /// The stages after decoding, unless `--no-transcribe`: the configured transcriber, and the apps (when any has a
    /// webhook) answering into the notification centre. Segments are logged as they come.
    private func liveStages(_ settings: BridgeSettings, database: BridgeDatabase, centre: NotificationCentre)
        throws(CLIFailure) -> (LiveTranscription?, AppsSession?)
    {
        guard !noTranscribe else { return (nil, nil) }
        let transcriber = try TranscriberFactory.make(settings.transcriber)
        let apps = try AppsSession(
            settings, database: database, delivery: LoggedDelivery(next: centre, log: log), live: true, log: log)
        let transcription = LiveTranscription(
            transcriber: transcriber, settings: settings.transcriber, keepAudio: wavOut != nil, audioTap: apps?.audioTap,
            onSegment: { segment in
                log("transcript " + TranscribeCommand.render(segment, json: false))
                apps?.submit(segment)
            },
            onProblem: { log("transcription: \($0)") })
        return (transcription, apps)
    }

    static func statsLine(_ s: PipelineSnapshot) -> String {
        "audio: \(s.reassembly.received) notifications, \(s.reassembly.lostNotifications) lost, "
            + "\(s.decode.decodedFrames) frames decoded, \(s.decode.concealedFrames) concealed, "
            + "\(s.decode.droppedFrames) dropped, \(String(format: "%.1f", s.decodedSeconds)) s decoded"
            + (s.inputOverflows > 0 ? ", \(s.inputOverflows) ring overflows" : "")
    }
}

/// One log line with a timestamp (journald adds its own; this keeps terminals readable).
func log(_ message: String) {
    let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
    FileHandle.standardOutput.write(Data("\(time) \(message)\n".utf8))
}

import ArgumentParser
import AsyncHTTPClient
import BlueZ
import BridgeDaemon
import BridgeServer
import DBusKit
import Foundation
import Logging
import Metrics
import Notifications
import OmiApps
import OmiAudio
import OmiDevice
import Prometheus
import ServiceLifecycle
import Store
import Synchronization

/// `omi-bridge run`: the daemon. Connects to an Omi and runs the whole pipeline (decode → transcribe → apps →
/// notifications) with the HTTP API, as the stages of one `ServiceGroup`, reconnecting for ever.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Connect to an Omi (the configured address, or the first found) and run the pipeline and the HTTP API.",
        discussion: """
            Logs connection changes, MTU, codec and battery, the live transcript, every webhook call and every \
            notification; prints audio statistics every --stats seconds. The HTTP API (as `serve`) listens on \
            server.listen unless --no-serve. Ctrl-C (SIGINT) or SIGTERM stops gracefully: the pipeline is flushed, \
            the open conversation goes to the outbox (and its apps), queued deliveries stay queued.
            """)

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

    @Flag(name: .customLong("no-serve"), help: "Do not serve the HTTP API.")
    var noServe = false

    @OptionGroup var listen: ListenOptions

    func run() async throws {
        var settings = try BridgeSettings.load(config)
        if let address { settings.address = address }
        if let notify { settings.notify = notify }
        if let adapter = ble.adapter { settings.adapter = adapter }
        let bus: DBusBus = (ble.bus ?? settings.bus).map(DBusBus.address) ?? .system
        let client: BlueZClient
        // The daemon may start before bluetoothd: it waits for org.bluez rather than exiting.
        do { client = try await BlueZClient(bus: bus, waitingForBlueZ: true) } catch { throw CLIFailure(error.message) }
        let database: BridgeDatabase
        do { database = try BridgeDatabase(path: settings.storagePath) } catch { throw CLIFailure(error.description) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        // Device notifications (battery low, disconnected) and the apps' notifications go through the notification
        // centre, whose channels include buzzing this very Omi; queued deliveries stay in the database.
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let hub = noServe ? nil : LiveHub()
        var device = OmiDeviceConfiguration()
        device.address = settings.address
        device.adapter = settings.adapter
        device.notifyMode = settings.notify
        let pipeline = try LivePipeline(
            settings: settings, database: database, client: client, http: http, device: device,
            transcriber: noTranscribe ? nil : try TranscriberFactory.make(settings.transcriber), keepAudio: wavOut != nil,
            observers: .init(
                segment: { hub?.segment($0) }, webhook: { hub?.webhook($0) }, notification: { hub?.notification($0) }))
        let consumer = pipeline.consumer
        log("connecting via the \(bus)" + (settings.address.map { " to \($0)" } ?? " to the first Omi found"))

        let systemd = SystemdNotifier()
        var api: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if !noServe {
            let app = try await BridgeHTTP.application(
                settings, database: database, centre: pipeline.centre, registry: registry, host: listen.host, port: listen.port,
                logger: BridgeHTTP.serverLogger, centreLogger: BridgeHTTP.centreLogger, live: hub)
            api.append(.init(service: SupervisedStage("http", report: Self.report) { try await app.run() }))
        }
        // Graceful shutdown runs in reverse order: systemd hears STOPPING=1 first, then the device stage stops and
        // flushes (the apps' last notifications still reach a running centre), then the HTTP API and the worker.
        let services = pipeline.services(uid: settings.apps.uid, systemd: systemd, hub: hub, first: api)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [], logger: BridgeHTTP.serverLogger))
        systemd.ready(status: "looking for an Omi")
        let trigger = Task {
            await SignalTrap.waitForTermination(orAfter: duration)
            if Task.isCancelled { return }
            log("stopping")
            await group.triggerGracefulShutdown()
        }
        let reporter = Task {
            guard stats > 0 else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(stats * 1000)))
                if Task.isCancelled { return }
                if let snapshot = consumer.pipeline?.snapshot() { log(Self.statsLine(snapshot)) }
            }
        }
        let outcome: (any Error)?
        do { try await group.run(); outcome = nil } catch { outcome = error }
        trigger.cancel()
        reporter.cancel()
        await pipeline.channels.close()
        try? await http.shutdown()
        if let snapshot = consumer.pipeline?.snapshot() { log(Self.statsLine(snapshot)) }
        if let wavOut {
            let samples = pipeline.samples
            try catching { try AudioFile.writeWAV(samples, path: wavOut) }
            log("wrote \(wavOut)")
        }
        if let outcome { throw CLIFailure("the daemon stopped: \(outcome)") }
    }

    static let report: @Sendable (SupervisedStage.Event) -> Void = { event in
        switch event {
        case .failed(let stage, let error, let failures, let delay):
            log("stage \(stage) failed (\(failures) in a row): \(error); restarting in \(delay)", .error, [("stage", stage)])
        case .restarting(let stage, _):
            log("stage \(stage) restarting", .notice, [("stage", stage)])
        }
    }

    static func statsLine(_ s: PipelineSnapshot) -> String {
        "audio: \(s.reassembly.received) notifications, \(s.reassembly.lostNotifications) lost, "
            + "\(s.decode.decodedFrames) frames decoded, \(s.decode.concealedFrames) concealed, "
            + "\(s.decode.droppedFrames) dropped, \(String(format: "%.1f", s.decodedSeconds)) s decoded"
            + (s.inputOverflows > 0 ? ", \(s.inputOverflows) ring overflows" : "")
    }
}

import AsyncHTTPClient
import BlueZ
import BridgeDaemon
import DBusKit
import Foundation
import Notifications
import OmiApps
import OmiAudio
import OmiDevice
import OmiSimulator
import ServiceLifecycle
import Store
import Synchronization
import Transcription

/// What happened during a scenario, on its timeline (seconds of the scenario's audio since streaming began).
struct ScenarioObservations: Sendable {
    struct Call: Sendable {
        var app: String
        var trigger: String
        var at: Double
        var status: Int?
        var failure: String?
        var latencyMs: Int?
        var requestBody: [UInt8]
        var response: AppResponse?
    }

    struct Notice: Sendable {
        var app: String?
        var category: String
        var title: String
        var body: String
        var at: Double
    }

    var calls: [Call] = []
    var notifications: [Notice] = []
    var segments: [TranscriptSegment] = []
    /// The feed at the end: what the in_app channel delivered.
    var feed: [FeedItem] = []
    /// Every proactive decision, oldest first (why a notification did or did not fire).
    var decisions: [Decision] = []
    var audioSeconds = 0.0
    var lostNotifications = 0
}

/// Runs a scenario through the whole live pipeline: its audio streamed by a simulated Omi behind a fake BlueZ on a
/// private dbus-daemon at `speed`× real time, the bridge's BlueZ client, decoder, transcriber, apps and notification
/// centre as `run` composes them (the same stages in one `ServiceGroup`), with a fresh database.
enum ScenarioRun {
    static func run(_ scenario: Scenario) async throws(CLIFailure) -> ScenarioObservations {
        let (samples, events) = try timeline(scenario.steps, separateUtterances: scenario.exactTranscript)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omi-scenario-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = scenario.settings
        settings.storagePath = directory.appendingPathComponent("bridge.sqlite").path
        let daemon: PrivateDBusDaemon
        do { daemon = try PrivateDBusDaemon() } catch { throw CLIFailure("cannot start a private dbus-daemon: \(error)") }
        defer { daemon.stop() }
        var simulated = SimulatorConfiguration()
        simulated.speed = scenario.speed
        simulated.loop = false
        simulated.batteryDrainPerMinute = 0
        let simulator: BlueZSimulator
        do {
            simulator = try await BlueZSimulator(
                bus: .address(daemon.address), configuration: simulated, audio: PCMAudio(samples: samples))
        } catch { throw CLIFailure("cannot start the simulated Omi: \(error)") }
        defer { simulator.stop() }

        let database: BridgeDatabase
        do { database = try BridgeDatabase(path: settings.storagePath) } catch { throw CLIFailure(error.description) }
        let client: BlueZClient
        do { client = try await BlueZClient(bus: .address(daemon.address)) } catch { throw CLIFailure(error.message) }
        let clock = ScenarioClock(speed: scenario.speed)
        let record = Mutex(ScenarioObservations())
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        // Every segment, webhook call and notification (the apps' and the device's) is recorded with its moment.
        let pipeline = try LivePipeline(
            settings: settings, database: database, client: client, http: http, device: OmiDeviceConfiguration(),
            transcriber: scenario.exactTranscript
                ? ScriptedTranscriber(scenario.spoken) : try TranscriberFactory.make(settings.transcriber),
            keepAudio: false,
            observers: .init(
                segment: { segment in record.withLock { $0.segments.append(segment) } },
                webhook: { call in record.withLock { $0.calls.append(Self.call(call, at: clock.now)) } },
                notification: { n in
                    record.withLock {
                        $0.notifications.append(
                            .init(app: n.appID, category: n.category, title: n.title, body: n.body, at: clock.now))
                    }
                }))
        let consumer = pipeline.consumer
        let driver = ScenarioDriver(
            simulator: simulator, consumer: consumer, clock: clock, events: events,
            audioSeconds: Double(samples.count) / 16_000, speed: scenario.speed)
        let services = pipeline.services(
            uid: settings.apps.uid, systemd: SystemdNotifier(environment: [:]), hub: nil,
            last: [.init(service: driver, successTerminationBehavior: .gracefullyShutdownGroup)])
        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigint, .sigterm], logger: BridgeHTTP.serverLogger))
        let outcome: (any Error)?
        do { try await group.run(); outcome = nil } catch { outcome = error }
        await pipeline.channels.close()
        try? await http.shutdown()
        if let outcome { throw CLIFailure("the scenario stopped: \(outcome)") }
        var observations = record.withLock { $0 }
        observations.feed = (try? database.feed.list(userID: settings.apps.uid, limit: 1000).items) ?? []
        observations.decisions = ((try? database.decisions.recent(limit: 1000)) ?? []).reversed()
        observations.audioSeconds = Double(samples.count) / 16_000
        observations.lostNotifications = consumer.pipeline?.snapshot().reassembly.lostNotifications ?? 0
        return observations
    }

    /// The steps as one 16 kHz timeline, and the device events at their offsets (seconds). A second of silence
    /// at the end lets the last utterance close as it would in a conversation; with `separateUtterances`, a `say`
    /// not followed by a `silence` gets one second too, so each `say` is one utterance.
    static func timeline(_ steps: [Scenario.Step], separateUtterances: Bool) throws(CLIFailure)
        -> ([Int16], [(at: Double, step: Scenario.Step)])
    {
        var samples: [Int16] = []
        var events: [(Double, Scenario.Step)] = []
        for (i, step) in steps.enumerated() {
            defer {
                if separateUtterances, case .say = step, i + 1 < steps.count {
                    if case .silence = steps[i + 1] {} else { samples += [Int16](repeating: 0, count: 16_000) }
                }
            }
            switch step {
            case .say(let text, let voice, let wpm):
                do { samples += try SpeechSynthesizer.speak(text, voice: voice, wordsPerMinute: wpm).samples } catch {
                    throw CLIFailure("say '\(text)': \(error)")
                }
            case .silence(let seconds): samples += [Int16](repeating: 0, count: Int(seconds * 16_000))
            case .audio(let path):
                do { samples += try PCMAudio.load(path: path).audio.samples } catch { throw CLIFailure(error.description) }
            case .button, .battery: events.append((Double(samples.count) / 16_000, step))
            }
        }
        samples += [Int16](repeating: 0, count: 16_000)
        return (samples, events)
    }

    static func call(_ call: WebhookCall, at: Double) -> ScenarioObservations.Call {
        var out = ScenarioObservations.Call(
            app: call.app.id, trigger: call.trigger.rawValue, at: at, requestBody: call.request.body, response: call.response)
        switch call.result {
        case .success(let response):
            out.status = response.status
            out.latencyMs = Int(response.latency.seconds * 1000)
        case .failure(let failure): out.failure = "\(failure)"
        }
        return out
    }
}

/// Wall-clock time since streaming began, in scenario seconds.
final class ScenarioClock: Sendable {
    private let started = Mutex<ContinuousClock.Instant?>(nil)
    let speed: Double

    init(speed: Double) { self.speed = speed }

    func start() { started.withLock { $0 = $0 ?? .now } }
    var now: Double { started.withLock { $0 }.map { $0.duration(to: .now).seconds * speed } ?? 0 }
}

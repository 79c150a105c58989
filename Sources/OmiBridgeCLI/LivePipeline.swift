import AsyncHTTPClient
import BlueZ
import BridgeServer
import Foundation
import Notifications
import OmiApps
import OmiAudio
import OmiDevice
import ServiceLifecycle
import Store
import Synchronization
import Transcription

/// The daemon's stages from the BlueZ client on, as `run` and `test` both compose them: the notification centre
/// and its channels (one of them buzzing this very Omi), the apps answering into it, the transcription stage feeding
/// them, the device session feeding that, and the services that run it all.
struct LivePipeline {
    /// What `run` and `test` each add to the stages' output.
    struct Observers {
        var segment: @Sendable (TranscriptSegment) -> Void = { _ in }
        var webhook: @Sendable (WebhookCall) -> Void = { _ in }
        var notification: @Sendable (BridgeNotification) -> Void = { _ in }
    }

    let centre: NotificationCentre
    let channels: ConfiguredChannels
    /// The centre, with every notification observed and logged on its way in (what `run` and `make demo` print).
    let delivery: any NotificationDelivery
    let transcription: LiveTranscription?
    let apps: AppsSession?
    let consumer: PipelineConsumer
    let session: OmiDeviceSession
    private let collected: PCMCollector?

    /// `transcriber` nil: decode only (no transcription, no apps). `keepAudio`: keep the decoded audio for `samples`.
    init(
        settings: BridgeSettings, database: BridgeDatabase, client: BlueZClient, http: HTTPClient,
        device: OmiDeviceConfiguration, transcriber: (any Transcriber)?, keepAudio: Bool, observers: Observers
    ) throws(CLIFailure) {
        let haptic = OmiHaptic()
        channels = settings.notifications.channels(http: http, haptic: haptic)
        centre = settings.notifications.centre(database: database, channels: channels, logger: BridgeHTTP.centreLogger)
        let delivery = ObservedDelivery(next: centre) { notification in
            observers.notification(notification)
            log("notification \(notification.category): \(notification.title): \(notification.body)", subsystem: "notifications")
        }
        self.delivery = delivery
        if let transcriber {
            let measured = Mutex<LiveTranscription?>(nil)
            let apps = try AppsSession(
                settings, database: database, delivery: delivery, live: true,
                observe: { call in
                    observers.webhook(call)
                    // Speech end → webhook: the last segment's end on the timeline to when the request went out.
                    guard call.trigger == .transcriptProcessed, case .success(let response) = call.result,
                        let end = Self.lastSegmentEnd(call.request.body)
                    else { return }
                    measured.withLock { $0 }?.webhookSent(speechEnd: end, sentAgo: response.latency)
                }, log: { log($0, subsystem: "apps", Journal.appField($0)) })
            let transcription = LiveTranscription(
                transcriber: transcriber, settings: settings.transcriber, keepAudio: keepAudio, audioTap: apps?.audioTap,
                onSegment: { segment in
                    log("transcript " + TranscribeCommand.render(segment, json: false), subsystem: "transcription")
                    observers.segment(segment)
                    apps?.submit(segment)
                },
                onProblem: { log("transcription: \($0)", .warning, subsystem: "transcription") })
            measured.withLock { $0 = transcription }
            (self.apps, self.transcription, collected) = (apps, transcription, nil)
        } else {
            (apps, transcription, collected) = (nil, nil, PCMCollector(keep: keepAudio))
        }
        let (transcription, collected) = (transcription, collected)
        consumer = PipelineConsumer(lossMode: settings.lossMode) { pipeline in
            if let transcription { transcription.attach(pipeline) } else { collected?.attach(pipeline) }
        }
        session = OmiDeviceSession(client: client, configuration: device, consumer: consumer)
        haptic.attach(session)
    }

    /// The stages as services, in the order graceful shutdown reverses: `first` (the HTTP API), the delivery worker,
    /// the audio metrics, device events, the device stage (stop, then flush into the apps and the outbox), `last`
    /// (the scenario driver), and systemd, which hears STOPPING=1 before anything stops.
    func services(
        uid: String, systemd: SystemdNotifier, hub: LiveHub?, first: [ServiceGroupConfiguration.ServiceConfiguration] = [],
        last: [ServiceGroupConfiguration.ServiceConfiguration] = []
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let shutdown = DaemonShutdown()
        return [.init(service: DeliveryService(worker: centre.worker))] + first + [
            .init(service: AudioMetricsStage(consumer: consumer, hub: hub)),
            .init(
                service: DeviceEventsStage(
                    session: session, centre: delivery, uid: uid, systemd: systemd, shutdown: shutdown, hub: hub)),
            .init(service: DeviceStage(session: session, consumer: consumer, transcription: transcription, apps: apps)),
            .init(service: SystemdStage(systemd: systemd, shutdown: shutdown)),
        ] + last
    }

    /// The decoded audio, once the group has finished (with `keepAudio`).
    var samples: [Int16] {
        collected?.waitUntilDrained()
        return transcription?.samples ?? collected?.samples ?? []
    }

    /// The `end` of the last segment of a `transcript_processed` body.
    static func lastSegmentEnd(_ body: [UInt8]) -> Double? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let segments = object["segments"] as? [[String: Any]]
        else { return nil }
        return segments.last?["end"] as? Double
    }
}

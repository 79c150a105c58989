import BridgeServer
import Foundation
import Metrics
import OmiAudio
import OmiDevice
import ServiceLifecycle

/// The audio path's counters as metrics: every `interval`, the device consumer's pipeline snapshot is read (the
/// counters are atomics the hot path already keeps; nothing is added per packet) and the increase since the last
/// reading is added to Prometheus counters (and shown on the dashboard). A new pipeline (codec or MTU change) starts from zero again.
struct AudioMetricsStage: Service {
    let consumer: PipelineConsumer
    /// The dashboard's packet counts, updated when they change.
    var hub: LiveHub?
    var interval: Duration = .seconds(2)

    func run() async throws {
        let counters = [
            ("omi_bridge_audio_notifications_received_total", \PipelineSnapshot.reassembly.received),
            ("omi_bridge_audio_notifications_lost_total", \PipelineSnapshot.reassembly.lostNotifications),
            ("omi_bridge_audio_packets_malformed_total", \PipelineSnapshot.reassembly.malformed),
            ("omi_bridge_audio_frames_decoded_total", \PipelineSnapshot.decode.decodedFrames),
            ("omi_bridge_audio_frames_concealed_total", \PipelineSnapshot.decode.concealedFrames),
            ("omi_bridge_audio_decode_errors_total", \PipelineSnapshot.decode.decodeErrors),
        ].map { (Counter(label: $0.0), $0.1) }
        let overflows = Counter(label: "omi_bridge_audio_ring_overflows_total")
        await cancelWhenGracefulShutdown {
            var last: (pipeline: ObjectIdentifier, snapshot: PipelineSnapshot)?
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let pipeline = consumer.pipeline else { continue }
                let now = pipeline.snapshot()
                let before = last.flatMap { $0.pipeline == ObjectIdentifier(pipeline) ? $0.snapshot : nil }
                for (counter, path) in counters {
                    let delta = now[keyPath: path] - (before?[keyPath: path] ?? 0)
                    if delta > 0 { counter.increment(by: delta) }
                }
                let overflow = now.inputOverflows - (before?.inputOverflows ?? 0)
                if overflow > 0 { overflows.increment(by: overflow) }
                if before?.reassembly != now.reassembly { hub?.audio(now) }
                last = (ObjectIdentifier(pipeline), now)
            }
        }
    }
}

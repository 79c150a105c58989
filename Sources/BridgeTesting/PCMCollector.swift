import Foundation
public import OmiAudio
import Synchronization

/// Drains a pipeline's PCM ring on its own thread into memory, as a transcriber would consume it.
public final class PCMCollector: Sendable {
    private let collected = Mutex<[Int16]>([])
    private let breaks = Mutex<[Discontinuity]>([])

    public init() {}

    public var samples: [Int16] { collected.withLock { $0 } }
    public var discontinuities: [Discontinuity] { breaks.withLock { $0 } }

    /// Starts draining `pipeline` until its PCM ring closes.
    public func attach(_ pipeline: AudioPipeline) {
        let thread = Thread { [self] in
            let chunk = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 8192)
            defer { chunk.deallocate() }
            while true {
                let n = pipeline.pcm.read(into: chunk)
                if n > 0 { collected.withLock { $0.append(contentsOf: chunk[..<n]) } }
                while let event = pipeline.discontinuities.read() { breaks.withLock { $0.append(event) } }
                if n == 0 {
                    if pipeline.pcm.isClosed && pipeline.pcm.count == 0 { return }
                    _ = pipeline.pcm.waitForData()
                }
            }
        }
        thread.name = "test-pcm-collector"
        thread.start()
    }
}

import Foundation
import Synchronization

/// Drains a pipeline's PCM ring on its own thread into memory (for `--wav-out`, and tests), as a transcriber
/// would consume it. With `keep: false` it only drains.
public final class PCMCollector: Sendable {
    private let collected = Mutex<[Int16]>([])
    private let breaks = Mutex<[Discontinuity]>([])
    private let keep: Bool
    private let drained = DispatchSemaphore(value: 0)
    private let attached = Mutex(0)

    public init(keep: Bool = true) { self.keep = keep }

    /// Blocks until every attached pipeline has closed its PCM ring and been drained.
    public func waitUntilDrained() {
        for _ in 0..<attached.withLock({ $0 }) { drained.wait() }
        attached.withLock { $0 = 0 }
    }

    public var samples: [Int16] { collected.withLock { $0 } }
    public var discontinuities: [Discontinuity] { breaks.withLock { $0 } }

    /// Starts draining `pipeline` until its PCM ring closes.
    public func attach(_ pipeline: AudioPipeline) {
        attached.withLock { $0 += 1 }
        let thread = Thread { [self] in
            defer { drained.signal() }
            let chunk = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 8192)
            defer { chunk.deallocate() }
            while true {
                let n = pipeline.pcm.read(into: chunk)
                if n > 0 && keep { collected.withLock { $0.append(contentsOf: chunk[..<n]) } }
                while let event = pipeline.discontinuities.read() { breaks.withLock { $0.append(event) } }
                if n == 0 {
                    if pipeline.pcm.isClosed && pipeline.pcm.count == 0 {
                        // A break written just before the rings closed may have arrived after the read above.
                        while let event = pipeline.discontinuities.read() { breaks.withLock { $0.append(event) } }
                        return
                    }
                    _ = pipeline.pcm.waitForData()
                }
            }
        }
        thread.name = "omi-pcm-collector"
        thread.start()
    }
}

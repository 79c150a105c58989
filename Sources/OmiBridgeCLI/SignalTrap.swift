import Dispatch
import Glibc

/// SIGINT/SIGTERM as an async event, so long-running commands stop cleanly (flush, disconnect) instead of dying.
enum SignalTrap {
    /// Returns when SIGINT or SIGTERM arrives.
    static func waitForTermination() async {
        let stream = AsyncStream<Int32> { continuation in
            var sources: [any DispatchSourceSignal] = []
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                sources.append(source)
            }
            nonisolated(unsafe) let keep = sources  // kept alive until the stream ends
            continuation.onTermination = { _ in _ = keep }
        }
        for await _ in stream { return }
    }
}

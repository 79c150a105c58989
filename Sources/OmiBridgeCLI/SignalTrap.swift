import Dispatch
import Glibc

/// SIGINT/SIGTERM as an async event, so long-running commands stop cleanly (flush, disconnect) instead of dying.
enum SignalTrap {
    /// Returns when SIGINT or SIGTERM arrives, or after `seconds` if given, whichever is first (so a command
    /// run with `--duration` still cleans up when it is interrupted).
    static func waitForTermination(orAfter seconds: Double?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await waitForTermination() }
            if let seconds {
                group.addTask { try? await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when SIGINT or SIGTERM arrives (or the task is cancelled).
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

import ArgumentParser
import Foundation

/// `omi-bridge`: the command-line front door. Exit codes: 0 success, 1 runtime failure, 2 bad usage.
@main
struct OmiBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omi-bridge",
        abstract: "A local bridge for the Omi wearable: BLE audio, decoding, transcription and Omi app webhooks.",
        version: "0.1.0",
        subcommands: [
            EncodeCommand.self, ReplayCommand.self, ScanCommand.self, RunCommand.self, RecordCommand.self,
            SimulateCommand.self, TranscribeCommand.self, BenchBLECommand.self, BenchTranscribeCommand.self,
            VerifySignatureCommand.self, SignCommand.self, FactsCommand.self, OutboxCommand.self, ExplainCommand.self,
            ConfigCommand.self, APIKeysCommand.self, KeysCommand.self, ServeCommand.self, StatusCommand.self, FeedCommand.self, TestCommand.self,
            BenchWebhooksCommand.self,
        ]
    )

    static func main() async {
        // A parent may have started us with SIGINT/SIGTERM blocked (a child spawned from a Swift concurrency
        // thread inherits that thread's mask); a daemon that ignores SIGTERM cannot be stopped cleanly.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        Journal.bootstrapIfNeeded()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("omi-bridge: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // ArgumentParser's usage errors exit 64 by default; this tool's contract is 2.
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// A failure with a one-line message naming what went wrong: exit code 1 at run time, 2 for bad usage or config.
struct CLIFailure: Error {
    var message: String
    var exitCode: Int32
    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }
}

/// Converts any error into a `CLIFailure` with the error's own description.
func failure(_ error: any Error) -> CLIFailure {
    CLIFailure(String(describing: error))
}

/// Shadows `Swift.print` in this module: writes straight to fd 1, so lines appear at once even when stdout is a
/// pipe or journald (stdio would buffer them).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator) + terminator
    FileHandle.standardOutput.write(Data(text.utf8))
}

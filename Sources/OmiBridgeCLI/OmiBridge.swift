import ArgumentParser
import Foundation

/// `omi-bridge`: the command-line front door. Exit codes: 0 success, 1 runtime failure, 2 bad usage.
@main
struct OmiBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omi-bridge",
        abstract: "A local bridge for the Omi wearable: BLE audio, decoding, transcription and Omi app webhooks.",
        version: "0.1.0",
        subcommands: [EncodeCommand.self, ReplayCommand.self]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("omi-bridge: \(failure.message)\n".utf8))
            Foundation.exit(1)
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

/// A runtime failure with a one-line message naming what went wrong (exit code 1).
struct CLIFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Converts any error into a `CLIFailure` with the error's own description.
func failure(_ error: any Error) -> CLIFailure {
    CLIFailure(String(describing: error))
}

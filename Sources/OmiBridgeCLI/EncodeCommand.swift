import ArgumentParser
import Foundation
import OmiAudio

/// `omi-bridge encode`: audio file → device-shaped `.omicap`, using the firmware's encoder settings.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode a WAV (or raw 16 kHz PCM16) file into an .omicap capture, as an Omi would send it.",
        discussion: """
            The audio is converted to 16 kHz mono if needed, encoded with the Omi firmware's Opus settings \
            (or a legacy codec), split into notifications for the given MTU, and optionally thinned by seeded \
            random loss.
            """
    )

    @Argument(help: "Input audio: .wav (any rate/width/channels) or .pcm/.raw (16 kHz mono PCM16 LE).")
    var input: String

    @Option(name: .long, help: "Output .omicap path.")
    var out: String

    @Option(name: .long, help: "Codec id: 21 (CV1 Opus, 20 ms), 20 (DevKit Opus, 10 ms), or legacy 0, 1, 10, 11.")
    var codec: UInt8 = 21

    @Option(name: .long, help: "ATT MTU, 23…517. Frames longer than MTU−3 bytes are fragmented.")
    var mtu: Int = 247

    @Option(name: .long, help: "Drop each notification with this probability: 0…1, or a percentage like 5%.")
    var loss: String?

    @Option(name: .long, help: "Seed for --loss, so a loss pattern can be reproduced.")
    var seed: UInt64 = 1

    func validate() throws {
        guard OmiCodec(rawValue: codec) != nil else {
            throw ValidationError("--codec: \(OmiCodecError.unknownID(codec))")
        }
        guard (23...OmiPacket.maxLength).contains(mtu) else {
            throw ValidationError("--mtu: \(mtu) is outside the ATT MTU range 23…\(OmiPacket.maxLength)")
        }
        if let loss, Self.parseProbability(loss) == nil {
            throw ValidationError("--loss: '\(loss)' is not a probability 0…1 or a percentage 0%…100%")
        }
    }

    static func parseProbability(_ text: String) -> Double? {
        let value: Double?
        if text.hasSuffix("%") { value = Double(text.dropLast()).map { $0 / 100 } } else { value = Double(text) }
        guard let value, (0...1).contains(value) else { return nil }
        return value
    }

    func run() throws {
        let codec = OmiCodec(rawValue: codec)!
        let (audio, notes) = try catching { try PCMAudio.load(path: input) }
        for note in notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let injector = loss.flatMap(Self.parseProbability).map { LossInjector(probability: $0, seed: seed) }
        let start = Int64(Date().timeIntervalSince1970 * 1e9)
        let encoding = try catching {
            try OmiCapture.encode(audio, codec: codec, mtu: mtu, loss: injector, startUnixNanos: start)
        }
        do {
            try Data(encoding.capture.serialized()).write(to: URL(fileURLWithPath: out))
        } catch {
            throw CLIFailure("\(out): cannot write: \(error.localizedDescription)")
        }
        var line =
            "encoded \(input) (\(String(format: "%.2f", audio.duration)) s) → \(out): \(codec), MTU \(mtu), "
            + "\(encoding.frames) frames in \(encoding.notificationsSent) notifications"
        if let injector {
            line +=
                ", \(encoding.droppedNotifications.count) dropped "
                + "(loss \(injector.probability * 100)%, seed \(seed), \(encoding.damagedFrames.count) frames damaged)"
        }
        print(line)
    }
}

/// Runs `body`, turning any error into a one-line `CLIFailure`.
func catching<T>(_ body: () throws -> T) throws(CLIFailure) -> T {
    do { return try body() } catch let error as CLIFailure { throw error } catch { throw failure(error) }
}

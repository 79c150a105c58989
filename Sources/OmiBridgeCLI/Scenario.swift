import Foundation
import OmiAudio
import Yams

/// A webhook author's test scenario (`omi-bridge test SCENARIO`, docs/webhook-authors.md): what the simulated Omi
/// says and does, the bridge configuration with the apps under test, and what must come of it.
struct Scenario {
    enum Step {
        /// Speech synthesized by espeak-ng (`voice`, words per minute).
        case say(String, voice: String, wpm: Int)
        case silence(seconds: Double)
        /// An audio file (WAV, FLAC, Ogg…), relative to the scenario.
        case audio(path: String)
        case button(OmiGATT.ButtonEvent)
        case battery(Int)
    }

    /// A regular expression, matched case-insensitively anywhere in the text.
    struct Pattern {
        var source: String
        var regex: NSRegularExpression

        func matches(_ text: String) -> Bool {
            regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    enum Expectation {
        /// The app's webhook was called (with this trigger; with segment text matching).
        case webhook(app: String, trigger: String?, text: Pattern?)
        /// The app answered 200 with a `notification` object or a `message`.
        case response(app: String, contains: String)
        /// A notification (from this app; of this category; with title or body matching) landed in the feed.
        case notification(app: String?, category: String?, text: Pattern?)
        /// No notification (from this app) within `within` scenario seconds of the start (nil: the whole run).
        case nothingFired(app: String?, within: Double?)
        /// The app received `memory_creation` with exactly this many transcript segments.
        case memoryCreation(app: String, segments: Int?)
    }

    var name: String
    var file: String
    var speed: Double
    /// `transcript: exact` (the default): each utterance is the text of its `say` step (`ScriptedTranscriber`);
    /// `recognized`: the configured transcriber listens to the audio.
    var exactTranscript = true
    var settings: BridgeSettings
    var steps: [Step]
    var expectations: [(name: String, expectation: Expectation)]

    static let buttons: [String: OmiGATT.ButtonEvent] = [
        "single_tap": .singleTap, "double_tap": .doubleTap, "long_press": .longPress,
    ]

    /// Reads and checks `file`; every problem is reported with its path (`steps[2].say: must be a string`), exit 2.
    static func load(_ file: String) throws(CLIFailure) -> Scenario {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIFailure("\(file): cannot read the scenario file", exitCode: 2)
        }
        let root: Any?
        do { root = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) } catch {
            throw CLIFailure("\(file): not valid YAML: \(error)", exitCode: 2)
        }
        guard let top = root as? [String: Any] else { throw CLIFailure("\(file): the top level must be a mapping", exitCode: 2) }
        var values = ConfigValues()
        var scenario = Scenario(
            name: ((file as NSString).lastPathComponent as NSString).deletingPathExtension, file: file, speed: 4,
            settings: BridgeSettings(), steps: [], expectations: [])
        var bridge: [String: Any] = [:]
        var configFile = file
        for (key, raw) in top {
            switch key {
            case "name": if let v = values.string(raw, "name", { $0.isEmpty ? "empty" : nil }) { scenario.name = v }
            case "speed":
                if !(raw is Bool), let v = (raw as? Double) ?? (raw as? Int).map(Double.init), (0.25...32).contains(v) {
                    scenario.speed = v
                } else {
                    values.problem("speed", "must be a number from 0.25 to 32 (times real time)")
                }
            case "transcript":
                if let v = values.string(raw, "transcript", { ["exact", "recognized"].contains($0) ? nil : "not one of exact, recognized" }) {
                    scenario.exactTranscript = v == "exact"
                }
            case "bridge": bridge = values.mapping(raw, "bridge") ?? [:]
            case "config":
                if let v = values.string(raw, "config") {
                    configFile = v.hasPrefix("/") ? v : ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(v)
                }
            case "steps": scenario.steps = steps(raw, file: file, &values)
            case "expect": scenario.expectations = expectations(raw, &values)
            default: values.problem(key, "unknown key (name, speed, transcript, bridge, config, steps, expect)")
            }
        }
        if top["steps"] == nil { values.problem("steps", "required: what the Omi hears and does") }
        if top["expect"] == nil { values.problem("expect", "required: what must come of it") }
        if top["bridge"] != nil && top["config"] != nil { values.problem("config", "give either bridge or config, not both") }
        guard values.problems.isEmpty else {
            throw CLIFailure(values.problems.sorted().map { "\(file): \($0)" }.joined(separator: "\n"), exitCode: 2)
        }
        scenario.settings = configFile == file
            ? try BridgeSettings.parse(bridge, file: file)
            : try BridgeSettings.load(configFile)
        return scenario
    }

    private static func steps(_ raw: Any, file: String, _ values: inout ConfigValues) -> [Step] {
        guard let list = raw as? [Any], !list.isEmpty else {
            values.problem("steps", "must be a non-empty list")
            return []
        }
        var steps: [Step] = []
        for (i, entry) in list.enumerated() {
            let at = "steps[\(i)]"
            guard let step = values.mapping(entry, at) else { continue }
            let kinds = step.keys.filter { ["say", "silence", "audio", "button", "battery"].contains($0) }
            guard kinds.count == 1, let kind = kinds.first else {
                values.problem(at, "needs exactly one of say, silence, audio, button, battery")
                continue
            }
            for key in step.keys where key != kind && !(kind == "say" && ["voice", "wpm"].contains(key)) {
                values.unknown("\(at).\(key)")
            }
            let value = step[kind]!
            switch kind {
            case "say":
                let voice = step["voice"].flatMap { values.string($0, "\(at).voice") } ?? "en-us+f2"
                let wpm = step["wpm"].flatMap { values.integer($0, "\(at).wpm", in: 80...450) } ?? 130
                if let text = values.string(value, "\(at).say", { $0.isEmpty ? "empty" : nil }) {
                    steps.append(.say(text, voice: voice, wpm: wpm))
                }
            case "silence":
                if let d = values.seconds(value, "\(at).silence", in: 0...600) {
                    steps.append(.silence(seconds: d.seconds))
                }
            case "audio":
                if let path = values.string(value, "\(at).audio") {
                    let full = path.hasPrefix("/") ? path : ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
                    if FileManager.default.isReadableFile(atPath: full) { steps.append(.audio(path: full)) } else {
                        values.problem("\(at).audio", "\(full): cannot read the audio file")
                    }
                }
            case "button":
                let names = buttons.keys.sorted().joined(separator: ", ")
                if let name = values.string(value, "\(at).button", { buttons[$0] == nil ? "not one of \(names)" : nil }) {
                    steps.append(.button(buttons[name]!))
                }
            default:
                if let level = values.integer(value, "\(at).battery", in: 0...100) { steps.append(.battery(level)) }
            }
        }
        return steps
    }
}

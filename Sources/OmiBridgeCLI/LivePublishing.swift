import BridgeServer
import Foundation
import OmiApps
import OmiAudio
import OmiDevice
import Transcription

/// What the daemon shows on the dashboard (`LiveHub`, served at `/v1/live` and `/v1/live/events`).
extension LiveHub {
    func segment(_ s: TranscriptSegment) {
        publish("transcript", ["text": .string(s.text), "start": .number(s.start), "end": .number(s.end), "speaker": .string(s.speaker)])
    }

    /// A webhook call as the inspector shows it: the request and response bodies (text, at most 64 KB each).
    func webhook(_ call: WebhookCall) {
        var data: [String: JSONValue] = [
            "app": .string(call.app.id), "trigger": .string(call.trigger.rawValue),
            "url": .string(String(call.request.url.prefix { $0 != "?" })), "at": .string(JSONResponse.timestamp(Date())),
            "request": Self.text(call.request.body, contentType: call.request.contentType),
        ]
        switch call.result {
        case .success(let response):
            data["status"] = .integer(Int64(response.status))
            data["latency_ms"] = .integer(Int64(response.latency.seconds * 1000))
            data["response"] = Self.text(response.body, contentType: "application/json")
        case .failure(let failure):
            data["error"] = .string("\(failure)")
        }
        if let ignored = call.response?.ignoredBecause { data["ignored"] = .string(ignored) }
        publish("webhook", data)
    }

    func notification(_ n: BridgeNotification) {
        var data: [String: JSONValue] = [
            "category": .string(n.category), "title": .string(n.title), "body": .string(n.body),
            "at": .string(JSONResponse.timestamp(Date())),
        ]
        if let app = n.appID { data["app"] = .string(app) }
        publish("notification", data)
    }

    func device(_ event: OmiDeviceEvent) {
        switch event {
        case .state(let state): publish("device", ["state": .string("\(state)")])
        case .connected(let address, let name, let mode):
            publish("device", ["address": .string(address), "name": name.map(JSONValue.string) ?? .null, "notify": .string("\(mode)")])
        case .profile(let p): publish("device", ["codec": .string(p.codec.description), "mtu": .integer(Int64(p.mtu))])
        case .battery(let level): publish("device", ["battery": .integer(Int64(level))])
        case .disconnected(let reason): publish("device", ["state": .string("disconnected"), "reason": .string(reason)])
        default: break
        }
    }

    func audio(_ s: PipelineSnapshot) {
        publish("device", ["received": .integer(Int64(s.reassembly.received)), "lost": .integer(Int64(s.reassembly.lostNotifications))])
    }

    private static func text(_ body: [UInt8], contentType: String) -> JSONValue {
        guard !contentType.hasPrefix("application/octet-stream") else { return .string("(\(body.count) bytes of audio)") }
        return .string(String(decoding: body.prefix(65_536), as: UTF8.self))
    }
}

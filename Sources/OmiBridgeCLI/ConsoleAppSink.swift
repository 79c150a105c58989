import Foundation
import OmiApps

/// Prints every webhook call and what the answer asked for, one line each: what `transcribe` and
/// `replay --transcribe` show webhook authors when apps are configured.
struct ConsoleAppSink: AppEventSink {
    func webhookCalled(_ call: WebhookCall) async {
        let target = call.request.url.replacingOccurrences(of: "^[a-z]+://", with: "", options: .regularExpression)
        let outcome: String
        switch call.result {
        case .success(let response):
            let ms = Int(response.latency.components.seconds * 1000 + response.latency.components.attoseconds / 1_000_000_000_000_000)
            outcome = "\(response.status) in \(ms) ms" + (call.response?.ignoredBecause.map { " (\($0))" } ?? "")
        case .failure(let failure):
            outcome = "failed: \(failure)"
        }
        line("webhook \(call.app.id) \(call.trigger.rawValue) → POST \(target): \(outcome)")
    }

    func appMessage(app: AppManifest, text: String, conversationID: String?) async {
        line("app message from \(app.name): \(text)")
    }

    func proactiveRequested(app: AppManifest, notification: [UInt8]) async {
        line("proactive notification requested by \(app.name): \(String(decoding: notification, as: UTF8.self))")
    }

    func storeFailed(_ message: String) async { line("store: \(message)") }

    private func line(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

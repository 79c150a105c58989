import AsyncHTTPClient
import Foundation
import NIOCore
import OmiApps

/// One POST of the HTTP channels (webhook, ntfy) and what its answer means for the delivery worker.
///
/// The status mapping is the webhook outbox's (`RetryPolicy`): 2xx delivers; 408, 425, 429 and 5xx are worth
/// another attempt, after `Retry-After` when the receiver sent one; any other status is final. Transport errors
/// and timeouts are retryable. Reasons name the URL without credentials, query or fragment, and never a header
/// value, so no secret or token can reach `last_error` or a log.
enum HTTPDelivery {
    /// Response bodies are read (so the connection can be reused) up to this size, and otherwise ignored.
    static let drainLimit = 64 << 10

    /// POSTs `body` to `url` and returns when the receiver answered 2xx. The whole exchange, connect and response
    /// body included, is bounded by `timeout` (AsyncHTTPClient's deadline ends at the response head). User info
    /// in `url` is sent as `Authorization: Basic` (as curl does), unless `headers` has an `Authorization`.
    static func post(
        _ client: HTTPClient, url: String, headers: [(String, String)], body: [UInt8], timeout: Duration,
        now: Date = Date()
    ) async throws(ChannelFailure) {
        let target = URLRedaction.redacted(url)
        let (bare, basic) = splitCredentials(url)
        var request = HTTPClientRequest(url: bare)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let basic, !request.headers.contains(name: "Authorization") {
            request.headers.add(name: "Authorization", value: basic)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let outcome = await withTaskGroup(of: Outcome.self) { [request] group in
            group.addTask {
                do {
                    let response = try await client.execute(request, deadline: .now() + TimeAmount(timeout))
                    // The answer is the status; the body only has to be consumed.
                    _ = try? await response.body.collect(upTo: drainLimit)
                    return .answered(
                        status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"))
                } catch {
                    return .failed(WebhookClient.classify(error, url: target))
                }
            }
            group.addTask {
                // A little after AsyncHTTPClient's own deadline, whose error says more (a refused connect is
                // retried until then); this one catches a response body that stalls.
                do { try await Task.sleep(for: timeout + .milliseconds(250)) } catch { return .cancelled }
                return .timedOut
            }
            defer { group.cancelAll() }
            return await group.next() ?? .cancelled
        }
        switch outcome {
        case .answered(let status, let retryAfter):
            if let failure = failure(status: status, retryAfter: retryAfter, target: target, now: now) { throw failure }
        case .failed(let failure):
            throw ChannelFailure(failure.description, retryable: true)
        case .timedOut:
            throw ChannelFailure("timeout: \(target): no answer within \(timeout)", retryable: true)
        case .cancelled:
            throw ChannelFailure("cancelled: \(target): the attempt was cancelled", retryable: true)
        }
    }

    private enum Outcome: Sendable {
        case answered(status: Int, retryAfter: String?)
        case failed(WebhookFailure)
        case timedOut
        case cancelled
    }

    /// The failure an answer with `status` means, or nil for 2xx. `target` is the redacted URL.
    static func failure(status: Int, retryAfter: String?, target: String, now: Date) -> ChannelFailure? {
        if (200...299).contains(status) { return nil }
        guard RetryPolicy.isRetryable(status: status) else {
            return ChannelFailure("HTTP \(status) from \(target)", retryable: false)
        }
        let wait = retryAfter.flatMap { RetryPolicy.retryAfterDelay($0, now: now) }
        return ChannelFailure("HTTP \(status) from \(target)", retryable: true, retryAfter: wait)
    }

    /// `url` without its user info, and the `Authorization: Basic` value that user info stands for.
    static func splitCredentials(_ url: String) -> (url: String, authorization: String?) {
        guard var components = URLComponents(string: url), let user = components.user else { return (url, nil) }
        let credentials = Data("\(user):\(components.password ?? "")".utf8).base64EncodedString()
        components.user = nil
        components.password = nil
        return (components.string ?? url, "Basic \(credentials)")
    }

    /// Whether `url` is an absolute http or https URL with a host.
    static func isHTTPURL(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return false }
        return scheme == "http" || scheme == "https"
    }
}

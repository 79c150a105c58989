import Foundation
import Hummingbird
import ServiceLifecycle
import Store

/// The dashboard's data: `GET /v1/live` (device state and recent events), `GET /v1/live/events` (server-sent
/// events, recent ones first, then live until the client goes away or the server shuts down) and
/// `GET /v1/conversations`.
struct LiveRoutes: Sendable {
    let hub: LiveHub?
    let conversations: ConversationStore

    func register(on router: Router<BridgeRequestContext>) {
        router.get("/v1/live") { _, _ in
            guard let hub else { throw APIError.notFound("No live pipeline runs in this process (start omi-bridge run).") }
            return try JSONResponse.make(LiveBody(device: hub.device, events: hub.recent().map(EventBody.init)))
        }
        router.get("/v1/live/events") { _, _ in
            guard let hub else { throw APIError.notFound("No live pipeline runs in this process (start omi-bridge run).") }
            // Subscribe before reading the backlog, so nothing published in between is missed; the ids drop repeats.
            let (live, end) = hub.subscription()
            let backlog = hub.recent()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: ": omi-bridge live events\n\n"))
                    var last = 0
                    for event in backlog {
                        try await writer.write(Self.frame(event))
                        last = event.id
                    }
                    // Live until the client goes away or the server shuts down: an open dashboard must not hold up
                    // a graceful shutdown (Hummingbird waits for requests in flight, and this one never ends).
                    try await withGracefulShutdownHandler {
                        for await event in live where event.id > last {
                            try await writer.write(Self.frame(event))
                        }
                    } onGracefulShutdown: {
                        end()
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/v1/conversations") { request, _ in
            let limit = try FeedRoutes.integer(
                request.uri.queryParameters.get("limit"), "limit", default: 20, in: 1...200)
            let recent = try conversations.recent(limit: limit).map(ConversationBody.init)
            return try JSONResponse.make(DataBody(data: recent))
        }
    }

    /// `id: 7\nevent: transcript\ndata: {...}\n\n`.
    static func frame(_ event: LiveHub.Event) -> ByteBuffer {
        let data = (try? JSONResponse.encoder().encode(event.data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return ByteBuffer(string: "id: \(event.id)\nevent: \(event.kind)\ndata: \(data)\n\n")
    }

    struct LiveBody: Encodable {
        var device: JSONValue
        var events: [EventBody]
    }

    struct EventBody: Encodable {
        var id: Int
        var kind: String
        var data: JSONValue
        init(_ event: LiveHub.Event) {
            id = event.id
            kind = event.kind
            data = event.data
        }
    }

    struct ConversationBody: Encodable {
        var id: String
        var title: String
        var overview: String
        var category: String
        var startedAt: Date
        var finishedAt: Date
        var transcript: String
        var discarded: Bool

        enum CodingKeys: String, CodingKey {
            case id, title, overview, category, transcript, discarded
            case startedAt = "started_at", finishedAt = "finished_at"
        }

        init(_ record: ConversationRecord) {
            id = record.id
            title = record.title
            overview = record.overview
            category = record.category
            startedAt = record.startedAt
            finishedAt = record.finishedAt
            transcript = record.transcript
            discarded = record.discarded
        }
    }
}

public import Foundation
import Synchronization

/// What the daemon is doing now, for the dashboard: the latest device state, and recent live events (transcript
/// segments, webhook calls, notifications, device events) kept in bounded rings and fanned out to every
/// subscriber of `GET /v1/live/events` (server-sent events). Publishing never blocks: a subscriber too slow to keep
/// up loses its oldest unread events, the pipeline never waits for a browser.
public final class LiveHub: Sendable {
    /// One event: its kind (`transcript`, `webhook`, `notification`, `device`) and its JSON object.
    public struct Event: Sendable, Equatable {
        public var id: Int
        public var kind: String
        public var data: JSONValue
    }

    private struct State {
        var nextID = 1
        var recent: [String: [Event]] = [:]
        var device: JSONValue = .object(["state": .string("starting")])
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextSubscriber = 0
    }

    private let state = Mutex(State())
    /// How many events of each kind are kept for a newly opened dashboard.
    public let keep: Int

    public init(keep: Int = 200) { self.keep = keep }

    /// Records an event and hands it to every subscriber. A `device` event's object also becomes (merged into) the
    /// device state.
    public func publish(_ kind: String, _ data: [String: JSONValue]) {
        let (event, subscribers) = state.withLock { s -> (Event, [AsyncStream<Event>.Continuation]) in
            let event = Event(id: s.nextID, kind: kind, data: .object(data))
            s.nextID += 1
            s.recent[kind, default: []].append(event)
            if s.recent[kind]!.count > keep { s.recent[kind]!.removeFirst(s.recent[kind]!.count - keep) }
            if kind == "device", case .object(var merged) = s.device {
                for (key, value) in data { merged[key] = value }
                s.device = .object(merged)
            }
            return (event, Array(s.subscribers.values))
        }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// The device state: connection state, address, name, battery, codec, MTU, RSSI, packet counts.
    public var device: JSONValue { state.withLock { $0.device } }

    /// The kept events, oldest first.
    public func recent() -> [Event] {
        state.withLock { $0.recent.values.flatMap { $0 } }.sorted { $0.id < $1.id }
    }

    /// Every event from now on, until the stream is dropped.
    public func subscribe() -> AsyncStream<Event> { subscription().events }

    /// ``subscribe()`` with a way to end the stream early (the server shutting down).
    public func subscription() -> (events: AsyncStream<Event>, end: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(keep))
        let id = state.withLock { s in
            s.nextSubscriber += 1
            s.subscribers[s.nextSubscriber] = continuation
            return s.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return (stream, { continuation.finish() })
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}

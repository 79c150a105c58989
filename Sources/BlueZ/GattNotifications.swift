import CSocketBatch
import DBusKit
import Foundation
import Glibc
import Synchronization

/// Receives one characteristic value, on the subscription's own thread; the bytes are valid during the call.
public typealias NotificationSink = @Sendable (UnsafeRawBufferPointer) -> Void

/// How notifications are subscribed.
public enum NotifyMode: String, Sendable, CaseIterable {
    /// `AcquireNotify`: BlueZ hands over a SEQPACKET socket, one datagram per notification (no D-Bus per value).
    case acquire
    /// `StartNotify`: each value arrives as a `PropertiesChanged` signal for "Value".
    case start
    /// `AcquireNotify`, falling back to `StartNotify` when BlueZ or the characteristic does not support it.
    case auto
}

/// A live notification subscription. Both implementations feed the sink without allocating.
public protocol GattSubscription: Sendable {
    /// The path actually in use (`acquire` or `start`).
    var mode: NotifyMode { get }
    /// The MTU AcquireNotify reported, if that path is used.
    var acquiredMTU: Int? { get }
    /// Returns when notifications stop arriving for good (socket hang-up, Notifying=false), with the reason.
    func ended() async -> String
    /// Stops the subscription; idempotent.
    func cancel() async
}

extension BlueZClient {
    /// Subscribes to `characteristic`. With `.auto`, `AcquireNotify` is tried first and `StartNotify` used when it
    /// is refused (older BlueZ, a characteristic without it, or one already notifying).
    public func subscribe(_ characteristic: String, mode: NotifyMode = .auto, sink: @escaping NotificationSink)
        async throws(BlueZError) -> any GattSubscription
    {
        if mode != .start {
            do throws(BlueZError) {
                let reply = try await call(
                    characteristic, Self.characteristicInterface, "AcquireNotify", [.properties([:])],
                    timeout: .seconds(10), doing: "AcquireNotify on \(characteristic)")
                guard case .unixFD(let fd)? = reply.first else {
                    throw BlueZError(.dbus, "AcquireNotify on \(characteristic) returned no descriptor")
                }
                return AcquiredNotifications(fd: fd.take(), mtu: reply.dropFirst().first?.integer.map(Int.init), sink: sink)
            } catch {
                guard mode == .auto, error.kind != .disconnected, error.kind != .bluezNotRunning else { throw error }
                // Fall through to StartNotify.
            }
        }
        return try await SignalNotifications.start(characteristic, client: self, sink: sink)
    }
}

/// Completion shared by both subscription kinds. Waiting is cancellable: a cancelled waiter gets "cancelled".
final class SubscriptionEnd: Sendable {
    private struct State {
        var reason: String?
        var waiters: [Int: CheckedContinuation<String, Never>] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    func finish(_ reason: String) {
        let waiters = state.withLock { s -> [CheckedContinuation<String, Never>] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    func wait() async -> String {
        let id = state.withLock { s in
            s.next += 1
            return s.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let reason = state.withLock { s -> String? in
                    if s.reason == nil && !Task.isCancelled { s.waiters[id] = continuation }
                    return s.reason ?? (Task.isCancelled ? "cancelled" : nil)
                }
                if let reason { continuation.resume(returning: reason) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: "cancelled")
        }
    }
}

/// `AcquireNotify`: a reader thread drains the socket with `recv` into one preallocated buffer and hands each
/// datagram to the sink. A hang-up means BlueZ released the acquisition (link loss, device gone, bluetoothd
/// exit). Zero-length datagrams are legal and are passed on.
final class AcquiredNotifications: GattSubscription {
    let mode = NotifyMode.acquire
    let acquiredMTU: Int?
    private let fd: Int32
    private let cancelled = Atomic<Bool>(false)
    private let end = SubscriptionEnd()
    /// Wakes the reader's poll on cancel without discarding queued datagrams (a shutdown would drop them).
    private let wake: (read: Int32, write: Int32)

    init(fd: Int32, mtu: Int?, sink: @escaping NotificationSink) {
        self.fd = fd
        acquiredMTU = mtu
        var pipeFDs: [Int32] = [-1, -1]
        _ = pipe(&pipeFDs)
        for p in pipeFDs { _ = fcntl(p, F_SETFD, FD_CLOEXEC) }
        wake = (pipeFDs[0], pipeFDs[1])
        let thread = Thread { [self] in read(sink) }
        thread.name = "omi-acquire-notify"
        thread.start()
    }

    /// Datagrams fetched per recvmmsg call, and the slot size for each (the largest ATT value is 512 bytes).
    private static let batch = 64
    private static let slot = 1024
    /// After draining, the reader waits before polling again, so datagrams arriving at high rates are fetched
    /// many per system call instead of one wake-up each: long enough for about `targetBatch` to queue at the rate
    /// just seen, never more than `maxCoalescing` µs, and not at all when a full batch was waiting (the socket
    /// buffer holds only a few hundred datagrams). 20 ms (a CV1 frame) is harmless next to the endpointer's 600 ms,
    /// and at low rates a wake-up costs more than the data it fetches (10 ms → 20 ms halved the CPU at 1k/s).
    static let maxCoalescing: Int64 = 20_000
    static let targetBatch: Int64 = 32
    /// Above 20k notifications/s: about `fastTargetBatch` per pause, never more than `fastCoalescing` µs. A socket
    /// pair holds about 278 80-byte datagrams before the sender gets EAGAIN, so a pause leaves room for a sender
    /// that catches up after being descheduled: 100 per pause (2.5 ms at 40k/s) lost nothing in the benchmark runs
    /// (once 264 of 120,000 in trials, a reader descheduled for milliseconds), while a fixed 3 ms lost 305 of
    /// 180,000 at 60k/s and 5 ms lost 7%. A wake-up costs a context switch, which was a
    /// fifth of the CPU at 40k/s with 500 µs pauses (bench/ble/run: 1.73 µs per notification, this: 1.39 µs).
    static let fastCoalescing: Int64 = 3_000
    static let fastTargetBatch: Int64 = 100
    /// A poll that blocked this long found a quiet spell: the rate is measured again from scratch.
    static let quietSpell: Int64 = 20_000

    private static func microseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    private static func isHungUp(_ fd: Int32) -> Bool {
        let readHangUp: Int16 = 0x2000  // POLLRDHUP, which Swift's Glibc module does not export
        var check = pollfd(fd: fd, events: Int16(POLLIN) | readHangUp, revents: 0)
        return poll(&check, 1, 0) > 0 && check.revents & (Int16(POLLHUP) | readHangUp) != 0
    }

    private func read(_ sink: NotificationSink) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.batch * Self.slot, alignment: 16)
        let lengths = UnsafeMutableBufferPointer<Int32>.allocate(capacity: Self.batch)
        defer {
            buffer.deallocate()
            lengths.deallocate()
            close(fd)
            close(wake.read)
            close(wake.write)
        }
        var reason = "cancelled"
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        var lastWake = Self.microseconds()
        var previousDrained: Int64 = 0
        /// Notifications per second, estimated.
        var rate: Int64 = 0
        outer: while true {
            fds[0].revents = 0
            fds[1].revents = 0
            // After a cancel, one last non-blocking pass reads what is already queued, then the loop ends.
            let stopping = cancelled.load(ordering: .relaxed)
            let polled = Self.microseconds()
            let ready = poll(&fds, 2, stopping ? 0 : 200)
            let blocked = Self.microseconds() - polled
            let pfd = fds[0]
            if ready < 0 && errno != EINTR {
                reason = "poll failed: \(String(cString: strerror(errno)))"
                break
            }
            if stopping && (ready <= 0 || pfd.revents & Int16(POLLIN) == 0) { break }
            guard ready > 0 else { continue }
            let hungUp = pfd.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
            var drained: Int64 = 0
            while pfd.revents & Int16(POLLIN) != 0 {
                let received = omi_recv_datagrams(
                    fd, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(Self.slot), lengths.baseAddress,
                    Int32(Self.batch))
                if received < 0 {
                    reason = "recv failed: \(String(cString: strerror(-received)))"
                    break outer
                }
                for i in 0..<Int(received) {
                    let length = Int(lengths[i])
                    // A 0-byte read is either a legal empty notification or the end of the stream: on a
                    // SEQPACKET socket only the hang-up flag tells them apart.
                    if length == 0 && (hungUp || Self.isHungUp(fd)) {
                        reason = "hang-up"
                        break outer
                    }
                    sink(UnsafeRawBufferPointer(rebasing: buffer[(i * Self.slot)..<(i * Self.slot + length)]))
                }
                drained += Int64(received)
                if received < Self.batch { break }
            }
            if hungUp {
                reason = "hang-up"
                break
            }
            if stopping { break }
            let now = Self.microseconds()
            // Only a steady stream is paused for: the first datagrams after a quiet spell (a poll that waited)
            // say nothing about the rate. The rate is what arrived since the last drain, pause included; the
            // estimate rises at once and decays slowly, so a sender that stalls for a moment and then catches up
            // in a burst meets a reader that still expects the high rate (short pauses).
            if drained > 0 && previousDrained > 0 && blocked < Self.quietSpell {
                let instant = drained * 1_000_000 / max(now - lastWake, 1)
                rate = max(instant, rate * 15 / 16)
            } else if drained > 0 && blocked >= Self.quietSpell {
                rate = 0
            }
            previousDrained = drained
            if drained > 0 && drained < Int64(Self.batch) && rate > 0 {
                let (cap, target) =
                    rate > 20_000 ? (Self.fastCoalescing, Self.fastTargetBatch) : (Self.maxCoalescing, Self.targetBatch)
                let pause = min(cap, target * 1_000_000 / rate)
                if pause > 50 { usleep(useconds_t(pause)) }
            }
            lastWake = now
        }
        end.finish(cancelled.load(ordering: .relaxed) ? "cancelled" : reason)
    }

    func ended() async -> String { await end.wait() }

    func cancel() async {
        cancelled.store(true, ordering: .relaxed)
        var one: UInt8 = 1
        _ = write(wake.write, &one, 1)  // wakes the poll; the reader drains what is queued and closes the socket
        _ = await end.wait()
    }
}

/// `StartNotify`: values arrive as `PropertiesChanged` signals, handled on the D-Bus thread with the
/// zero-copy view (no Swift values are built for them).
final class SignalNotifications: GattSubscription {
    let mode = NotifyMode.start
    let acquiredMTU: Int? = nil
    private let client: BlueZClient
    private let characteristic: String
    private let token: DBusSignalHandlerToken
    private let end: SubscriptionEnd

    private init(client: BlueZClient, characteristic: String, token: DBusSignalHandlerToken, end: SubscriptionEnd) {
        self.client = client
        self.characteristic = characteristic
        self.token = token
        self.end = end
    }

    static func start(_ characteristic: String, client: BlueZClient, sink: @escaping NotificationSink)
        async throws(BlueZError) -> SignalNotifications
    {
        let end = SubscriptionEnd()
        let token: DBusSignalHandlerToken
        do {
            token = try await client.connection.addSignalHandler(
                DBusMatchRule(
                    sender: BlueZClient.service, path: characteristic, interface: "org.freedesktop.DBus.Properties",
                    member: "PropertiesChanged", arg0: BlueZClient.characteristicInterface)
            ) { view in
                if !view.withChangedBytes(forKey: "Value", sink),
                    view.arguments().dropFirst().first?.dictionary?["Notifying"]?.bool == false
                {
                    end.finish("Notifying=false")
                }
            }
        } catch {
            throw BlueZError(error, doing: "subscribing to \(characteristic)")
        }
        let subscription = SignalNotifications(client: client, characteristic: characteristic, token: token, end: end)
        do {
            try await client.call(
                characteristic, BlueZClient.characteristicInterface, "StartNotify", timeout: .seconds(10),
                doing: "StartNotify on \(characteristic)")
        } catch {
            client.connection.removeSignalHandler(token)
            throw error
        }
        return subscription
    }

    func ended() async -> String { await end.wait() }

    func cancel() async {
        _ = try? await client.call(
            characteristic, BlueZClient.characteristicInterface, "StopNotify", timeout: .seconds(5), doing: "StopNotify")
        client.connection.removeSignalHandler(token)
        end.finish("cancelled")
    }
}

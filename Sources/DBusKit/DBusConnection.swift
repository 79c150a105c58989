import CDBus
import Foundation
import Glibc
import Synchronization

/// A private connection to a D-Bus bus, served by its own thread.
///
/// libdbus is used only on that thread (`DBusLoop`); this object queues commands to it and wakes it through an
/// eventfd, so any thread or task may use the connection. Replies, signals and method calls are dispatched on the
/// thread; async callers get their results through continuations, signal subscribers through `AsyncStream`s or,
/// for hot paths, handlers that run on the thread itself and allocate nothing.
public final class DBusConnection: Sendable {
    typealias Command = @Sendable (DBusLoop) -> Void

    /// The bus-assigned unique name (`:1.42`).
    public let uniqueName: String
    public let bus: DBusBus
    private let commands = Mutex<[Command]>([])
    /// A pipe: the loop polls the read end; `perform` writes a byte to the write end.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let closed = Atomic<Bool>(false)
    private let nextHandlerID = Atomic<Int>(1)
    private let finished = DispatchSemaphore(value: 0)
    /// The connection thread's id, so work requested from that thread (a method handler emitting a signal) runs
    /// at once, in order, instead of after the reply the handler is about to send.
    private let loopThread = Atomic<UInt>(0)
    /// Only dereferenced on the connection's thread (see `perform`).
    private nonisolated(unsafe) let loopForInlineUse: Unmanaged<DBusLoop>

    /// Opens a private connection (never shared with other users of libdbus in the process), registers with the
    /// bus, and starts the connection's thread. `exit_on_disconnect` is off: losing the bus is reported, not fatal.
    /// Microseconds the connection's thread waits after handling messages before it polls again (0: never),
    /// unless a call is to be sent. Trades that much latency on incoming messages for far fewer wake-ups when
    /// signals arrive at high rates.
    private let coalescing: useconds_t

    public init(bus: DBusBus, coalescing: Duration = .zero) throws(DBusError) {
        self.coalescing = useconds_t(coalescing.components.seconds * 1_000_000 + coalescing.components.attoseconds / 1_000_000_000_000)
        dbus_threads_init_default()
        let address = try bus.resolvedAddress()
        let raw = try withDBusError { dbus_connection_open_private(address, $0) }
        guard let raw else { throw .failed("cannot connect to \(bus) (\(address))") }
        dbus_connection_set_exit_on_disconnect(raw, 0)
        do {
            _ = try withDBusError { dbus_bus_register(raw, $0) }
        } catch {
            dbus_connection_close(raw)
            dbus_connection_unref(raw)
            throw error
        }
        self.bus = bus
        uniqueName = dbus_bus_get_unique_name(raw).map { String(cString: $0) } ?? ""
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            dbus_connection_close(raw)
            dbus_connection_unref(raw)
            throw .failed("cannot create a wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for fd in pipeFDs {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        (wakeRead, wakeWrite) = (pipeFDs[0], pipeFDs[1])
        // The loop and its libdbus connection are handed to the new thread here and never touched by this one
        // again: that confinement is what makes the unchecked capture sound.
        nonisolated(unsafe) let loop = DBusLoop(raw: raw)
        loopForInlineUse = Unmanaged.passRetained(loop)
        dbus_connection_add_filter(raw, dbusLoopFilter, Unmanaged.passUnretained(loop).toOpaque(), nil)
        let thread = Thread { [self] in
            loopThread.store(UInt(pthread_self()), ordering: .releasing)
            run(loop)
        }
        thread.name = "dbus \(uniqueName)"
        thread.start()
    }

    deinit {
        close()
        loopForInlineUse.release()
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Runs `command` on the connection's thread.
    func perform(_ command: @escaping Command) {
        if loopThread.load(ordering: .acquiring) == UInt(pthread_self()) {
            // Already on the connection's thread (inside a handler): the loop is ours to use, right now.
            return command(loopForInlineUse.takeUnretainedValue())
        }
        commands.withLock { $0.append(command) }
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)  // a full pipe already means "wake up"; EAGAIN is fine
    }

    /// Closes the connection; pending calls fail with `Disconnected`. Idempotent.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        perform { $0.running = false }
        finished.wait()
    }

    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    // MARK: Calls

    /// Calls a method and waits for its reply (or `timeout`, then `org.freedesktop.DBus.Error.NoReply`).
    public func call(
        destination: String?, path: String, interface: String?, member: String, arguments: [DBusValue] = [],
        timeout: Duration = .seconds(25)
    ) async throws(DBusError) -> [DBusValue] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[DBusValue], DBusError>, Never>) in
            guard !isClosed else { return continuation.resume(returning: .failure(.disconnected())) }
            perform { loop in
                loop.call(
                    destination: destination, path: path, interface: interface, member: member, arguments: arguments,
                    timeout: timeout, reply: { continuation.resume(returning: $0) })
            }
        }
        return try result.get()
    }

    /// Calls a method and runs `onReply` on the connection's thread, in order with the signals around it: a
    /// snapshot applied there (BlueZ's `GetManagedObjects`) can never overwrite a newer signal.
    public func call(
        destination: String?, path: String, interface: String?, member: String, arguments: [DBusValue] = [],
        timeout: Duration = .seconds(25), onReply: @escaping @Sendable (Result<[DBusValue], DBusError>) -> Void
    ) {
        guard !isClosed else { return onReply(.failure(.disconnected())) }
        perform { loop in
            loop.call(
                destination: destination, path: path, interface: interface, member: member, arguments: arguments,
                timeout: timeout, reply: onReply)
        }
    }

    /// Emits a signal from `path`.
    public func emit(path: String, interface: String, member: String, arguments: [DBusValue] = []) {
        perform { loop in try? loop.emit(path: path, interface: interface, member: member, arguments: arguments) }
    }

    // MARK: Signals

    /// Registers `handler` for signals matching `rule` and asks the bus for them (AddMatch). The handler runs on
    /// the connection's thread with a borrowed message: the zero-allocation path for high-rate signals.
    @discardableResult
    public func addSignalHandler(_ rule: DBusMatchRule, handler: @escaping @Sendable (DBusMessageView) -> Void)
        async throws(DBusError) -> DBusSignalHandlerToken
    {
        let id = nextHandlerID.add(1, ordering: .relaxed).oldValue
        perform { $0.handlers[id] = DBusLoop.SignalHandler(rule: rule, deliver: handler) }
        do {
            _ = try await call(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                member: "AddMatch", arguments: [.string(rule.ruleString)])
        } catch {
            perform { $0.handlers[id] = nil }
            throw error
        }
        return DBusSignalHandlerToken(id: id, rule: rule)
    }

    /// Removes a handler and its match rule.
    public func removeSignalHandler(_ token: DBusSignalHandlerToken) {
        perform { loop in
            loop.handlers[token.id] = nil
            loop.call(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                member: "RemoveMatch", arguments: [.string(token.rule.ruleString)], timeout: .seconds(5), reply: { _ in })
        }
    }

    /// Signals matching `rule`, as Swift values. The stream ends when the connection closes; ending iteration
    /// removes the subscription.
    public func signals(_ rule: DBusMatchRule) async throws(DBusError) -> AsyncStream<DBusSignal> {
        let (stream, continuation) = AsyncStream.makeStream(of: DBusSignal.self, bufferingPolicy: .unbounded)
        let token = try await addSignalHandler(rule) { view in
            continuation.yield(
                DBusSignal(
                    sender: view.sender, path: view.path ?? "", interface: view.interface ?? "",
                    member: view.member ?? "", arguments: view.arguments()))
        }
        perform { loop in loop.disconnectWaiters.append { continuation.finish() } }
        continuation.onTermination = { [weak self] _ in self?.removeSignalHandler(token) }
        return stream
    }

    /// Returns when the connection is lost or closed.
    public func waitUntilDisconnected() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            guard !isClosed else { return continuation.resume() }
            perform { loop in
                if loop.running { loop.disconnectWaiters.append { continuation.resume() } } else { continuation.resume() }
            }
        }
    }

    // MARK: The thread

    /// Pops every parsed message and handles it directly, not through `dbus_connection_dispatch`, which copies
    /// the filter list and walks the object tree for every message (that dominated high-rate signals).
    private func popAndHandle(_ loop: DBusLoop) -> Int {
        var handled = 0
        while let message = dbus_connection_pop_message(loop.raw) {
            _ = loop.handle(message)
            dbus_message_unref(message)
            handled += 1
        }
        return handled
    }

    private static func readable(_ fd: Int32) -> Bool {
        var check = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&check, 1, 0) > 0 && check.revents & Int16(POLLIN) != 0
    }

    private func run(_ loop: DBusLoop) {
        var fds = [
            pollfd(fd: loop.socketFD, events: 0, revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        var readRecently = 0
        while loop.running {
            for command in commands.withLock({ queue in defer { queue.removeAll() }; return queue }) {
                command(loop)
            }
            let handled = popAndHandle(loop) + readRecently
            if dbus_connection_get_is_connected(loop.raw) == 0 { loop.running = false }
            guard loop.running else { break }
            let timeout = loop.expireCalls(now: .now)
            fds[0].events = Int16(POLLIN) | (dbus_connection_has_messages_to_send(loop.raw) != 0 ? Int16(POLLOUT) : 0)
            fds[0].revents = 0
            fds[1].revents = 0
            if handled > 0 && coalescing > 0 && commands.withLock({ $0.isEmpty }) {
                // Busy stream: let more messages arrive, then read them in bulk (fewer wake-ups per message). A
                // command (a call to send) ends the wait at once: the wait is on the wake-up pipe alone.
                var wake = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
                _ = poll(&wake, 1, Int32(max(1, coalescing / 1_000)))
            }
            if poll(&fds, 2, commands.withLock({ $0.isEmpty }) ? timeout : 0) < 0 && errno != EINTR { break }
            if fds[1].revents != 0 {
                withUnsafeTemporaryAllocation(byteCount: 256, alignment: 1) { drained in
                    while read(wakeRead, drained.baseAddress, drained.count) > 0 {}
                }
            }
            if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 && fds[0].revents & Int16(POLLIN) == 0 {
                loop.running = false
            }
            // libdbus reads at most 2 KiB per iteration: keep reading (and handling) while the socket has more,
            // bounded so queued commands are not starved.
            var rounds = 0
            readRecently = 0
            repeat {
                dbus_connection_read_write(loop.raw, 0)
                rounds += 1
                let count = popAndHandle(loop)
                readRecently += count
                if count == 0 { break }
            } while rounds < 256 && Self.readable(loop.socketFD)
        }
        closed.store(true, ordering: .releasing)
        // Commands queued after the loop stopped still get their answers (failures) instead of hanging.
        for command in commands.withLock({ queue in defer { queue.removeAll() }; return queue }) { command(loop) }
        loop.failEverything()
        dbus_connection_close(loop.raw)
        dbus_connection_unref(loop.raw)
        finished.signal()
    }
}

/// Identifies a signal handler for removal.
public struct DBusSignalHandlerToken: Sendable, Hashable {
    let id: Int
    let rule: DBusMatchRule
}

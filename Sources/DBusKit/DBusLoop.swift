import CDBus
import Foundation
import Glibc

/// The state of one connection that only its own thread touches: the libdbus connection, calls awaiting replies,
/// signal handlers and exported objects. Every libdbus call of the connection happens on that thread, so libdbus
/// never needs its own locks; other threads reach it through `DBusConnection.perform`, which queues a command and
/// wakes the thread through an eventfd.
final class DBusLoop {
    typealias Reply = @Sendable (Result<[DBusValue], DBusError>) -> Void

    struct PendingCall {
        var deadline: ContinuousClock.Instant
        var resume: Reply
    }

    /// A signal handler with its rule's fields kept as C strings, so matching a message is a few `strcmp`s
    /// against header fields read once per message.
    final class SignalHandler {
        let rule: DBusMatchRule
        let deliver: @Sendable (DBusMessageView) -> Void
        let member: [CChar]?
        let interface: [CChar]?
        let path: [CChar]?
        let arg0: [CChar]?

        init(rule: DBusMatchRule, deliver: @escaping @Sendable (DBusMessageView) -> Void) {
            self.rule = rule
            self.deliver = deliver
            member = rule.member.map { Array($0.utf8CString) }
            interface = rule.interface.map { Array($0.utf8CString) }
            path = rule.path.map { Array($0.utf8CString) }
            arg0 = rule.arg0.map { Array($0.utf8CString) }
        }
    }

    let raw: OpaquePointer
    let socketFD: Int32
    var pending: [UInt32: PendingCall] = [:]
    var handlers: [Int: SignalHandler] = [:] {
        didSet { handlerList = Array(handlers.values) }
    }
    /// `handlers` as an array, for iterating without hashing on every message.
    private var handlerList: [SignalHandler] = []
    var exports = DBusExports()
    var running = true
    var disconnectWaiters: [@Sendable () -> Void] = []

    init(raw: OpaquePointer) {
        self.raw = raw
        var fd: Int32 = -1
        dbus_connection_get_unix_fd(raw, &fd)
        socketFD = fd
    }

    // MARK: Sending

    /// Sends a method call and registers `reply` for its answer. Runs on the loop thread.
    func call(
        destination: String?, path: String, interface: String?, member: String, arguments: [DBusValue],
        timeout: Duration, reply: @escaping Reply
    ) {
        do throws(DBusError) {
            let message = try Self.makeCall(destination, path, interface, member)
            defer { dbus_message_unref(message) }
            try DBusMarshal.append(arguments, to: message)
            var serial: UInt32 = 0
            guard dbus_connection_send(raw, message, &serial) != 0 else { throw DBusError.failed("out of memory") }
            pending[serial] = PendingCall(deadline: .now + timeout, resume: reply)
        } catch {
            reply(.failure(error))
        }
    }

    static func makeCall(_ destination: String?, _ path: String, _ interface: String?, _ member: String)
        throws(DBusError) -> OpaquePointer
    {
        try DBusMarshal.validatePath(path)
        if let destination, dbus_validate_bus_name(destination, nil) == 0 {
            throw .invalidArgs("'\(destination)' is not a valid bus name")
        }
        if let interface, dbus_validate_interface(interface, nil) == 0 {
            throw .invalidArgs("'\(interface)' is not a valid interface name")
        }
        guard dbus_validate_member(member, nil) != 0 else { throw .invalidArgs("'\(member)' is not a valid member") }
        guard let message = dbus_message_new_method_call(destination, path, interface, member) else {
            throw .failed("out of memory")
        }
        return message
    }

    /// Emits a signal. Runs on the loop thread.
    func emit(path: String, interface: String, member: String, arguments: [DBusValue]) throws(DBusError) {
        try DBusMarshal.validatePath(path)
        guard dbus_validate_interface(interface, nil) != 0, dbus_validate_member(member, nil) != 0 else {
            throw .invalidArgs("'\(interface).\(member)' is not a valid signal name")
        }
        guard let message = dbus_message_new_signal(path, interface, member) else { throw .failed("out of memory") }
        defer { dbus_message_unref(message) }
        try DBusMarshal.append(arguments, to: message)
        dbus_connection_send(raw, message, nil)
    }

    // MARK: Receiving

    /// Called by libdbus for every incoming message during `dbus_connection_dispatch`.
    func handle(_ message: OpaquePointer) -> DBusHandlerResult {
        switch dbus_message_get_type(message) {
        case DBUS_MESSAGE_TYPE_METHOD_RETURN, DBUS_MESSAGE_TYPE_ERROR:
            guard let call = pending.removeValue(forKey: dbus_message_get_reply_serial(message)) else {
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
            }
            if dbus_message_get_type(message) == DBUS_MESSAGE_TYPE_ERROR {
                let name = dbus_message_get_error_name(message).map { String(cString: $0) } ?? DBusError.failedName
                let text = DBusMarshal.arguments(of: message).first?.string ?? ""
                call.resume(.failure(DBusError(name: name, message: text)))
            } else {
                call.resume(.success(DBusMarshal.arguments(of: message)))
            }
            return DBUS_HANDLER_RESULT_HANDLED
        case DBUS_MESSAGE_TYPE_SIGNAL:
            if dbus_message_is_signal(message, "org.freedesktop.DBus.Local", "Disconnected") != 0 {
                running = false
                return DBUS_HANDLER_RESULT_HANDLED
            }
            deliverSignal(message)
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        case DBUS_MESSAGE_TYPE_METHOD_CALL:
            answer(message)
            return DBUS_HANDLER_RESULT_HANDLED
        default:
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
    }

    /// Runs every handler whose rule matches. Header fields and arg0 are read once per message; each rule field
    /// is one `strcmp`; nothing is allocated.
    private func deliverSignal(_ message: OpaquePointer) {
        let member = dbus_message_get_member(message)
        let interface = dbus_message_get_interface(message)
        let path = dbus_message_get_path(message)
        var arg0: UnsafePointer<CChar>?
        var arg0Read = false
        let view = DBusMessageView(message)
        for handler in handlerList {
            if let wanted = handler.member, !Self.same(wanted, member) { continue }
            if let wanted = handler.interface, !Self.same(wanted, interface) { continue }
            if let wanted = handler.path, !Self.same(wanted, path) { continue }
            if let wanted = handler.arg0 {
                if !arg0Read {
                    arg0 = Self.firstStringArgument(message)
                    arg0Read = true
                }
                if !Self.same(wanted, arg0) { continue }
            }
            if handler.rule.pathNamespace != nil && !view.matches(handler.rule) { continue }
            handler.deliver(view)
        }
    }

    private static func same(_ wanted: [CChar], _ actual: UnsafePointer<CChar>?) -> Bool {
        guard let actual else { return false }
        return wanted.withUnsafeBufferPointer { strcmp($0.baseAddress!, actual) == 0 }
    }

    /// The first argument if it is a string (valid while the message lives).
    private static func firstStringArgument(_ message: OpaquePointer) -> UnsafePointer<CChar>? {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(message, &iter) != 0, dbus_message_iter_get_arg_type(&iter) == omi_dbus_type_string
        else { return nil }
        var value = DBusBasicValue()
        dbus_message_iter_get_basic(&iter, &value)
        return UnsafePointer(value.str)
    }

    /// Answers a method call with an exported object's handler, or the right error.
    private func answer(_ message: OpaquePointer) {
        let call = DBusMethodCall(
            sender: dbus_message_get_sender(message).map { String(cString: $0) },
            path: dbus_message_get_path(message).map { String(cString: $0) } ?? "/",
            interface: dbus_message_get_interface(message).map { String(cString: $0) },
            member: dbus_message_get_member(message).map { String(cString: $0) } ?? "",
            arguments: DBusMarshal.arguments(of: message))
        let result = exports.dispatch(call)
        guard dbus_message_get_no_reply(message) == 0 else { return }
        var reply: OpaquePointer?
        switch result {
        case .success(let values):
            reply = dbus_message_new_method_return(message)
            if let built = reply {
                do throws(DBusError) { try DBusMarshal.append(values, to: built) } catch {
                    dbus_message_unref(built)
                    reply = dbus_message_new_error(message, error.name, error.message)
                }
            }
        case .failure(let error):
            let name = dbus_validate_error_name(error.name, nil) != 0 ? error.name : DBusError.failedName
            reply = dbus_message_new_error(message, name, error.message)
        }
        if let reply {
            dbus_connection_send(raw, reply, nil)
            dbus_message_unref(reply)
        }
    }

    // MARK: The loop

    /// Fails calls whose deadline passed; returns the milliseconds until the next deadline (-1: none).
    func expireCalls(now: ContinuousClock.Instant) -> Int32 {
        var next: Duration?
        for (serial, call) in pending {
            if call.deadline <= now {
                pending.removeValue(forKey: serial)
                call.resume(.failure(DBusError(name: DBusError.noReplyName, message: "no reply within the timeout")))
            } else {
                let left = call.deadline - now
                if next == nil || left < next! { next = left }
            }
        }
        guard let next else { return -1 }
        return Int32(min(max(1, Int64(next.components.seconds) * 1000 + next.components.attoseconds / 1_000_000_000_000_000 + 1), 60_000))
    }

    /// After the connection is gone: everyone waiting hears about it.
    func failEverything() {
        for call in pending.values { call.resume(.failure(.disconnected())) }
        pending.removeAll()
        for waiter in disconnectWaiters { waiter() }
        disconnectWaiters.removeAll()
        handlers.removeAll()
    }
}

/// C trampoline for `dbus_connection_add_filter`.
let dbusLoopFilter: DBusHandleMessageFunction = { _, message, userData in
    guard let message, let userData else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
    return Unmanaged<DBusLoop>.fromOpaque(userData).takeUnretainedValue().handle(message)
}

import CDBus
import Glibc

/// A message borrowed for the duration of a handler call on the connection's thread. Reading header fields and
/// the `ay` fast path allocates nothing; `arguments()` builds Swift values.
/// Do not keep it past the handler: the message is released when the handler returns.
public struct DBusMessageView {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    public var path: String? { dbus_message_get_path(raw).map { String(cString: $0) } }
    public var interface: String? { dbus_message_get_interface(raw).map { String(cString: $0) } }
    public var member: String? { dbus_message_get_member(raw).map { String(cString: $0) } }
    public var sender: String? { dbus_message_get_sender(raw).map { String(cString: $0) } }

    public func hasPath(_ path: String) -> Bool { dbus_message_has_path(raw, path) != 0 }
    public func hasMember(_ member: String) -> Bool { dbus_message_has_member(raw, member) != 0 }

    /// Every argument as Swift values.
    public func arguments() -> [DBusValue] { DBusMarshal.arguments(of: raw) }

    /// For `PropertiesChanged(s interface, a{sv} changed, as invalidated)`: when `changed` holds `key` as an
    /// `ay`, calls `body` with those bytes (pointing into the message, no copy) and returns true.
    public func withChangedBytes(forKey key: String, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(raw, &iter) != 0, dbus_message_iter_next(&iter) != 0,
            dbus_message_iter_get_arg_type(&iter) == omi_dbus_type_array,
            dbus_message_iter_get_element_type(&iter) == omi_dbus_type_dict_entry
        else { return false }
        var entries = DBusMessageIter()
        dbus_message_iter_recurse(&iter, &entries)
        while dbus_message_iter_get_arg_type(&entries) == omi_dbus_type_dict_entry {
            var pair = DBusMessageIter()
            dbus_message_iter_recurse(&entries, &pair)
            var name = DBusBasicValue()
            if dbus_message_iter_get_arg_type(&pair) == omi_dbus_type_string {
                dbus_message_iter_get_basic(&pair, &name)
                if let str = name.str, key.withCString({ strcmp($0, str) == 0 }) {
                    dbus_message_iter_next(&pair)
                    var variant = DBusMessageIter()
                    dbus_message_iter_recurse(&pair, &variant)
                    guard dbus_message_iter_get_arg_type(&variant) == omi_dbus_type_array,
                        dbus_message_iter_get_element_type(&variant) == omi_dbus_type_byte
                    else { return false }
                    var bytes = DBusMessageIter()
                    dbus_message_iter_recurse(&variant, &bytes)
                    var pointer: UnsafeMutableRawPointer?
                    var count: Int32 = 0
                    dbus_message_iter_get_fixed_array(&bytes, &pointer, &count)
                    body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : Int(count)))
                    return true
                }
            }
            dbus_message_iter_next(&entries)
        }
        return false
    }

    func matches(_ rule: DBusMatchRule) -> Bool {
        if let path = rule.path, dbus_message_has_path(raw, path) == 0 { return false }
        if let interface = rule.interface, dbus_message_has_interface(raw, interface) == 0 { return false }
        if let member = rule.member, dbus_message_has_member(raw, member) == 0 { return false }
        if let namespace = rule.pathNamespace {
            guard let p = dbus_message_get_path(raw) else { return false }
            let matched = namespace.withCString { ns -> Bool in
                let n = strlen(ns)
                return strncmp(p, ns, n) == 0 && (p[n] == 0 || p[n] == 0x2F || n == 1)
            }
            if !matched { return false }
        }
        if let arg0 = rule.arg0 {
            var iter = DBusMessageIter()
            guard dbus_message_iter_init(raw, &iter) != 0, dbus_message_iter_get_arg_type(&iter) == omi_dbus_type_string
            else { return false }
            var value = DBusBasicValue()
            dbus_message_iter_get_basic(&iter, &value)
            guard let s = value.str, arg0.withCString({ strcmp($0, s) == 0 }) else { return false }
        }
        // `sender` is enforced by the bus daemon through AddMatch (it resolves well-known names); not re-checked.
        return true
    }
}

/// A received signal, as Swift values.
public struct DBusSignal: Sendable {
    public var sender: String?
    public var path: String
    public var interface: String
    public var member: String
    public var arguments: [DBusValue]
}

public import DBusKit
import Synchronization

/// BlueZ's object tree as the bridge last saw it: path → interface → property → value.
public typealias BlueZObjects = [String: [String: [String: DBusValue]]]

/// The object cache, kept current from `InterfacesAdded`, `InterfacesRemoved` and `PropertiesChanged`, all
/// applied on the D-Bus connection's thread in bus order (the `GetManagedObjects` snapshot too, so a signal is
/// never overwritten by an older snapshot). Tasks wait on conditions over it with `waitFor`.
public final class BlueZObjectCache: Sendable {
    private struct Waiter {
        var check: @Sendable (BlueZObjects) -> Bool
        var resume: @Sendable (Bool) -> Void
    }

    private struct State {
        var objects: BlueZObjects = [:]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        var generation = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var objects: BlueZObjects { state.withLock { $0.objects } }

    /// Bumped on every change; lets callers notice "something happened" cheaply.
    public var generation: Int { state.withLock { $0.generation } }

    // MARK: Updates (on the D-Bus thread)

    func replaceAll(_ snapshot: DBusValue) {
        var objects: BlueZObjects = [:]
        for (path, interfaces) in snapshot.dictionary ?? [:] {
            objects[path] = Self.interfaces(interfaces)
        }
        apply { $0 = objects }
    }

    func interfacesAdded(_ arguments: [DBusValue]) {
        guard arguments.count == 2, let path = arguments[0].string else { return }
        let added = Self.interfaces(arguments[1])
        apply { objects in
            for (name, properties) in added { objects[path, default: [:]][name] = properties }
        }
    }

    func interfacesRemoved(_ arguments: [DBusValue]) {
        guard arguments.count == 2, let path = arguments[0].string, let names = arguments[1].strings else { return }
        apply { objects in
            for name in names { objects[path]?[name] = nil }
            if objects[path]?.isEmpty == true { objects[path] = nil }
        }
    }

    func propertiesChanged(path: String, _ arguments: [DBusValue]) {
        guard arguments.count >= 2, let interface = arguments[0].string, let changed = arguments[1].dictionary else {
            return
        }
        let invalidated = arguments.count > 2 ? arguments[2].strings ?? [] : []
        apply { objects in
            guard objects[path]?[interface] != nil else { return }  // BlueZ sends these only for known objects
            for (name, value) in changed { objects[path]?[interface]?[name] = value.unwrapped }
            for name in invalidated { objects[path]?[interface]?[name] = nil }
        }
    }

    func clear() { apply { $0 = [:] } }

    private func apply(_ change: (inout BlueZObjects) -> Void) {
        let ready: [(Waiter)] = state.withLock { s in
            change(&s.objects)
            s.generation += 1
            var done: [Waiter] = []
            for (id, waiter) in s.waiters where waiter.check(s.objects) {
                done.append(waiter)
                s.waiters[id] = nil
            }
            return done
        }
        for waiter in ready { waiter.resume(true) }
    }

    private static func interfaces(_ value: DBusValue) -> [String: [String: DBusValue]] {
        var out: [String: [String: DBusValue]] = [:]
        for (name, properties) in value.dictionary ?? [:] {
            out[name] = (properties.dictionary ?? [:]).mapValues(\.unwrapped)
        }
        return out
    }

    // MARK: Waiting

    /// Waits until `check` holds over the objects, `timeout` passes (false), or the task is cancelled (false).
    /// `check` runs on the D-Bus thread after every change.
    public func waitFor(timeout: Duration, _ check: @escaping @Sendable (BlueZObjects) -> Bool) async -> Bool {
        let id: Int? = state.withLock { s in
            if check(s.objects) { return nil }
            s.nextWaiter += 1
            return s.nextWaiter
        }
        guard let id else { return true }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { s -> Bool? in
                    if check(s.objects) { return true }
                    if Task.isCancelled { return false }
                    s.waiters[id] = Waiter(check: check, resume: { continuation.resume(returning: $0) })
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(false)
        }
    }
}

extension BlueZObjects {
    /// Paths that implement `interface`, sorted.
    public func paths(with interface: String) -> [String] { keys.filter { self[$0]?[interface] != nil }.sorted() }

    public func property(_ path: String, _ interface: String, _ name: String) -> DBusValue? { self[path]?[interface]?[name] }
}

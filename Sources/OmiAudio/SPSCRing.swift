import Dispatch
import Glibc
import Synchronization

/// A lock-free ring buffer for exactly one producer thread and one consumer thread.
///
/// Power-of-two capacity with mask arithmetic (as NIO's `CircularBuffer`); `head` and `tail` are free-running
/// counters, so `tail − head` is the fill level and no slot is wasted. The producer publishes with a release store
/// of `tail` after writing slots; the consumer frees slots with a release store of `head` after reading them; each
/// side acquires the other's counter. Reads are zero-copy through `readableSegments()` (two segments when the data
/// wraps, as swift-collections' deque handle). A full ring refuses the write and counts it: overflow is never
/// silent. Waiting is optional and only for sides that may block (a file replay): an idle side parks on a
/// semaphore that the other side signals only when the parked flag is set, so the fast path is two atomics.
///
/// `@unchecked Sendable` is sound because of the single-producer/single-consumer discipline: a slot in
/// `[head, tail)` is touched only by the consumer and a slot in `[tail, head + capacity)` only by the producer, and
/// a slot changes hands only through the release/acquire pair on `tail` (to the consumer) or `head` (back to the
/// producer). The stored pointer and the two semaphores are never reassigned. Calling producer methods from two
/// threads at once (or consumer methods) breaks this and is a programming error.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Element>
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)
    private let overflows = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    private let consumerParked = Atomic<Bool>(false)
    private let producerParked = Atomic<Bool>(false)
    private let dataAvailable = DispatchSemaphore(value: 0)
    private let spaceAvailable = DispatchSemaphore(value: 0)

    /// - Parameter minimumCapacity: rounded up to a power of two.
    public init(minimumCapacity: Int) {
        precondition(minimumCapacity > 0, "SPSCRing needs a positive capacity")
        var capacity = 1
        while capacity < minimumCapacity { capacity <<= 1 }
        self.capacity = capacity
        mask = capacity - 1
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Items ready to read (exact for the consumer, a lower bound for the producer).
    public var count: Int { tail.load(ordering: .acquiring) - head.load(ordering: .acquiring) }
    public var freeCapacity: Int { capacity - count }
    /// Writes refused because the ring was full.
    public var overflowCount: Int { overflows.load(ordering: .relaxed) }
    /// The producer said it will write no more; the consumer drains and stops.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    // MARK: Producer side

    /// Writes all of `items` or nothing. Returns false (and counts an overflow) when they do not fit.
    @discardableResult
    public func write(_ items: UnsafeBufferPointer<Element>) -> Bool {
        guard reserve(items.count) else { return false }
        let start = tail.load(ordering: .relaxed)
        copyIn(items, at: start)
        publish(start + items.count)
        return true
    }

    /// Writes `first` then `second` as one unit (a record header and its payload), or nothing.
    @discardableResult
    public func write(_ first: UnsafeBufferPointer<Element>, _ second: UnsafeBufferPointer<Element>) -> Bool {
        guard reserve(first.count + second.count) else { return false }
        let start = tail.load(ordering: .relaxed)
        copyIn(first, at: start)
        copyIn(second, at: start + first.count)
        publish(start + first.count + second.count)
        return true
    }

    /// Writes one item, or counts an overflow and returns false.
    @discardableResult
    public func write(_ item: Element) -> Bool {
        guard reserve(1) else { return false }
        let start = tail.load(ordering: .relaxed)
        (storage + (start & mask)).initialize(to: item)
        publish(start + 1)
        return true
    }

    /// Counts a write that the producer gave up on without calling `write` (a record it could not fit).
    public func recordOverflow() { overflows.add(1, ordering: .relaxed) }

    /// Blocks the producer until `count` slots are free, the timeout passes, or nothing will ever free them.
    /// Returns whether the space is there. For producers that may wait (file replay), never for the BLE reader.
    public func waitForSpace(_ count: Int, timeout: Duration = .milliseconds(50)) -> Bool {
        precondition(count <= capacity, "waiting for more space than the ring has")
        if spinUntil({ freeCapacity >= count }) { return true }
        while freeCapacity < count {
            producerParked.store(true, ordering: .sequentiallyConsistent)
            if capacity - fillLevelSeqCst >= count {
                producerParked.store(false, ordering: .relaxed)
                break
            }
            if spaceAvailable.wait(timeout: .now() + timeout.dispatchInterval) == .timedOut {
                producerParked.store(false, ordering: .relaxed)
                return freeCapacity >= count
            }
        }
        return true
    }

    /// The producer is done; a parked consumer wakes up to drain.
    public func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        wake(consumerParked, dataAvailable)
    }

    // MARK: Consumer side

    /// The readable items as up to two contiguous segments, oldest first; valid until `consume` is called.
    public func readableSegments() -> (UnsafeBufferPointer<Element>, UnsafeBufferPointer<Element>) {
        let start = head.load(ordering: .relaxed)
        let available = tail.load(ordering: .acquiring) - start
        let first = min(available, capacity - (start & mask))
        return (
            UnsafeBufferPointer(start: storage + (start & mask), count: first),
            UnsafeBufferPointer(start: storage, count: available - first)
        )
    }

    /// Frees `count` items that were read.
    public func consume(_ count: Int) {
        let start = head.load(ordering: .relaxed)
        precondition(count <= tail.load(ordering: .acquiring) - start, "consuming more than was readable")
        // Seq-cst (not just release): the store must not pass the parked-flag load in `wake` (Dekker pattern).
        head.store(start + count, ordering: .sequentiallyConsistent)
        wake(producerParked, spaceAvailable)
    }

    /// Copies up to `out.count` items out of the ring and frees them. Returns how many were copied.
    public func read(into out: UnsafeMutableBufferPointer<Element>) -> Int {
        let (a, b) = readableSegments()
        let n1 = min(a.count, out.count)
        let n2 = min(b.count, out.count - n1)
        if n1 > 0 { out.baseAddress!.update(from: a.baseAddress!, count: n1) }
        if n2 > 0 { (out.baseAddress! + n1).update(from: b.baseAddress!, count: n2) }
        if n1 + n2 > 0 { consume(n1 + n2) }
        return n1 + n2
    }

    /// Reads one item if there is one.
    public func read() -> Element? {
        let start = head.load(ordering: .relaxed)
        guard tail.load(ordering: .acquiring) > start else { return nil }
        let item = storage[start & mask]
        consume(1)
        return item
    }

    /// Blocks the consumer until something is readable, the ring is closed, or the timeout passes.
    /// Returns whether items are readable.
    public func waitForData(timeout: Duration = .milliseconds(50)) -> Bool {
        if spinUntil({ count > 0 || isClosed }) { return count > 0 }
        consumerParked.store(true, ordering: .sequentiallyConsistent)
        if fillLevelSeqCst > 0 || closed.load(ordering: .sequentiallyConsistent) {
            consumerParked.store(false, ordering: .relaxed)
            return count > 0
        }
        _ = dataAvailable.wait(timeout: .now() + timeout.dispatchInterval)
        consumerParked.store(false, ordering: .relaxed)
        return count > 0
    }

    // MARK: Internals

    /// Yields the CPU a few times before a side parks: when the other side is busy (a replay at full speed), data
    /// or space usually appears within microseconds, and parking would cost a futex wake per write.
    private func spinUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<Self.spinsBeforeParking {
            if condition() { return true }
            sched_yield()
        }
        return condition()
    }

    private static var spinsBeforeParking: Int { 32 }

    private var fillLevelSeqCst: Int {
        tail.load(ordering: .sequentiallyConsistent) - head.load(ordering: .sequentiallyConsistent)
    }

    private func reserve(_ n: Int) -> Bool {
        if n > capacity - (tail.load(ordering: .relaxed) - head.load(ordering: .acquiring)) {
            overflows.add(1, ordering: .relaxed)
            return false
        }
        return true
    }

    private func copyIn(_ items: UnsafeBufferPointer<Element>, at position: Int) {
        guard let source = items.baseAddress, !items.isEmpty else { return }
        let first = min(items.count, capacity - (position & mask))
        (storage + (position & mask)).update(from: source, count: first)
        if first < items.count { storage.update(from: source + first, count: items.count - first) }
    }

    private func publish(_ newTail: Int) {
        // Seq-cst (not just release): the store must not pass the parked-flag load in `wake` (Dekker pattern).
        tail.store(newTail, ordering: .sequentiallyConsistent)
        wake(consumerParked, dataAvailable)
    }

    /// Signals only a side that announced it is parked; the seq-cst exchange pairs with its seq-cst store so a
    /// wake-up is never lost (and a stale one only costs one extra loop).
    private func wake(_ parked: borrowing Atomic<Bool>, _ semaphore: DispatchSemaphore) {
        if parked.load(ordering: .sequentiallyConsistent),
            parked.exchange(false, ordering: .sequentiallyConsistent)
        {
            semaphore.signal()
        }
    }
}

extension Duration {
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}

public import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A bounded single-producer, single-consumer queue of plain values, allocated once. The
/// producer (the control loop's thread) never blocks and never allocates: `push` on a full
/// ring returns false, and the caller counts the loss.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutableBufferPointer<Element>
    @usableFromInline let mask: Int
    /// Next slot to write; written by the producer only.
    @usableFromInline let head = Atomic<Int>(0)
    /// Next slot to read; written by the consumer only.
    @usableFromInline let tail = Atomic<Int>(0)

    /// `capacity` is rounded up to a power of two. The storage is zero-filled now, so that its
    /// pages are resident before the loop starts; a slot is only read after it was written.
    public init(capacity: Int) {
        var size = 1
        while size < capacity { size <<= 1 }
        storage = .allocate(capacity: size)
        memset(storage.baseAddress!, 0, size * MemoryLayout<Element>.stride)
        mask = size - 1
    }

    deinit { storage.deallocate() }

    public var capacity: Int { storage.count }

    /// Producer side. False when the ring is full (the element is not stored).
    @inlinable
    public func push(_ element: Element) -> Bool {
        let h = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .acquiring)
        guard h - t < storage.count else { return false }
        storage[h & mask] = element
        head.store(h + 1, ordering: .releasing)
        return true
    }

    /// Consumer side.
    @inlinable
    public func pop() -> Element? {
        let t = tail.load(ordering: .relaxed)
        let h = head.load(ordering: .acquiring)
        guard t < h else { return nil }
        let element = storage[t & mask]
        tail.store(t + 1, ordering: .releasing)
        return element
    }

    public var isEmpty: Bool { tail.load(ordering: .acquiring) >= head.load(ordering: .acquiring) }
}

/// Joint-space values (positions, velocities, efforts, currents …) for up to
/// ``JointVector/capacity`` joints, stored inline: creating, copying or mutating one never
/// touches the heap, so the control loop can use it freely after start-up.
///
/// Units are SI and per joint: radians for revolute joints, metres for prismatic joints (and
/// their derivatives).
public struct JointVector: Sendable, BitwiseCopyable {
    /// The most joints Vigil models on one arm.
    public static let capacity = 8

    @usableFromInline var storage: InlineArray<8, Double>

    /// The number of joints in use (0…``capacity``).
    public let count: Int

    /// A vector of `count` joints, each holding `value`.
    @inlinable
    public init(count: Int, repeating value: Double = 0) {
        precondition(count >= 0 && count <= Self.capacity, "JointVector holds 0…8 joints")
        self.count = count
        self.storage = InlineArray(repeating: 0)
        for i in 0..<count { storage[i] = value }
    }

    /// A vector holding `values` in order. Intended for start-up and tests: the argument itself
    /// may be a heap-allocated array.
    @inlinable
    public init(_ values: some Collection<Double>) {
        self.init(count: values.count)
        var i = 0
        for v in values {
            storage[i] = v
            i += 1
        }
    }

    /// True when every element is finite (neither NaN nor ±infinity).
    @inlinable
    public var isFinite: Bool {
        for i in 0..<count where !storage[i].isFinite { return false }
        return true
    }

    /// The largest absolute element (0 for an empty vector; NaN if any element is NaN).
    @inlinable
    public var maxMagnitude: Double {
        var m = 0.0
        for i in 0..<count {
            let a = Swift.abs(storage[i])
            if a.isNaN { return .nan }
            if a > m { m = a }
        }
        return m
    }

    /// Element-wise `self + other`; both must have the same count.
    @inlinable
    public static func + (lhs: JointVector, rhs: JointVector) -> JointVector {
        precondition(lhs.count == rhs.count, "JointVector counts differ")
        var r = lhs
        for i in 0..<lhs.count { r.storage[i] += rhs.storage[i] }
        return r
    }

    /// Element-wise `self - other`; both must have the same count.
    @inlinable
    public static func - (lhs: JointVector, rhs: JointVector) -> JointVector {
        precondition(lhs.count == rhs.count, "JointVector counts differ")
        var r = lhs
        for i in 0..<lhs.count { r.storage[i] -= rhs.storage[i] }
        return r
    }

    /// Every element scaled by `k`.
    @inlinable
    public static func * (k: Double, v: JointVector) -> JointVector {
        var r = v
        for i in 0..<v.count { r.storage[i] *= k }
        return r
    }
}

extension JointVector: RandomAccessCollection, MutableCollection {
    public typealias Index = Int

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    @inlinable
    public subscript(position: Int) -> Double {
        get {
            precondition(position >= 0 && position < count, "joint index out of range")
            return storage[position]
        }
        set {
            precondition(position >= 0 && position < count, "joint index out of range")
            storage[position] = newValue
        }
    }
}

extension JointVector: Equatable {
    /// Equal when the counts match and every element compares equal (so NaN ≠ NaN).
    @inlinable
    public static func == (lhs: JointVector, rhs: JointVector) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs.storage[i] != rhs.storage[i] { return false }
        return true
    }
}

extension JointVector: CustomStringConvertible {
    public var description: String {
        "[" + self.map { "\($0)" }.joined(separator: ", ") + "]"
    }
}

extension JointVector {
    /// The first `lower.count` values clamped into [`lower`, `upper`], a non-finite value first
    /// replaced by 0: a position that is finite and within limits whatever the sensors said.
    @inlinable
    public func withinLimits(lower: JointVector, upper: JointVector) -> JointVector {
        var r = self
        for j in 0..<lower.count {
            let v = r[j].isFinite ? r[j] : 0
            r[j] = Swift.min(Swift.max(v, lower[j]), upper[j])
        }
        return r
    }
}

public import MotionTypes

/// Preallocated mutable state for kinematic queries (the `mjData` of ``KinematicModel``).
/// Make one per thread at start-up and reuse it; queries write into it and allocate nothing.
public struct KinematicScratch: Sendable {
    /// `frames[0]` is the base; `frames[i]` the frame after link i (1-based), in the base frame.
    public internal(set) var frames: InlineArray<9, Pose>
    /// The tool frame after the last `forward` call, in the base frame.
    public internal(set) var toolFrame: Pose

    public init() {
        frames = InlineArray(repeating: .identity)
        toolFrame = .identity
    }
}

/// A geometric Jacobian: 6 rows (linear velocity of the tool point, then angular velocity, in
/// the base frame) by up to 8 joint columns. Stored inline.
public struct Jacobian: Sendable, BitwiseCopyable {
    var storage: InlineArray<48, Double>
    public let columns: Int

    public init(columns: Int) {
        precondition(columns >= 0 && columns <= JointVector.capacity)
        self.columns = columns
        storage = InlineArray(repeating: 0)
    }

    /// Row 0–2: d(tip position)/dq; rows 3–5: angular velocity per unit joint rate.
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < 6 && column >= 0 && column < columns)
            return storage.span[column * 6 + row]  // a span read copies nothing
        }
        set {
            precondition(row >= 0 && row < 6 && column >= 0 && column < columns)
            storage[column * 6 + row] = newValue
        }
    }

    /// The linear part of column `j`.
    public func linear(_ j: Int) -> Vector3 { Vector3(self[0, j], self[1, j], self[2, j]) }
    /// The angular part of column `j`.
    public func angular(_ j: Int) -> Vector3 { Vector3(self[3, j], self[4, j], self[5, j]) }
}

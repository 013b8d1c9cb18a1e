/// A 3×3 rotation matrix, row-major (`rXY` is row X, column Y).
public struct Rotation3: Sendable, Equatable, BitwiseCopyable {
    public var r00, r01, r02: Double
    public var r10, r11, r12: Double
    public var r20, r21, r22: Double

    @inlinable
    public init(
        _ r00: Double, _ r01: Double, _ r02: Double,
        _ r10: Double, _ r11: Double, _ r12: Double,
        _ r20: Double, _ r21: Double, _ r22: Double
    ) {
        (self.r00, self.r01, self.r02) = (r00, r01, r02)
        (self.r10, self.r11, self.r12) = (r10, r11, r12)
        (self.r20, self.r21, self.r22) = (r20, r21, r22)
    }

    public static let identity = Rotation3(1, 0, 0, 0, 1, 0, 0, 0, 1)

    /// Column `i` (0, 1 or 2): the image of the i-th unit axis.
    @inlinable public var xAxis: Vector3 { Vector3(r00, r10, r20) }
    @inlinable public var yAxis: Vector3 { Vector3(r01, r11, r21) }
    @inlinable public var zAxis: Vector3 { Vector3(r02, r12, r22) }

    @inlinable public var transposed: Rotation3 {
        Rotation3(r00, r10, r20, r01, r11, r21, r02, r12, r22)
    }

    @inlinable public var trace: Double { r00 + r11 + r22 }

    @inlinable
    public static func * (a: Rotation3, b: Rotation3) -> Rotation3 {
        Rotation3(
            a.r00 * b.r00 + a.r01 * b.r10 + a.r02 * b.r20,
            a.r00 * b.r01 + a.r01 * b.r11 + a.r02 * b.r21,
            a.r00 * b.r02 + a.r01 * b.r12 + a.r02 * b.r22,
            a.r10 * b.r00 + a.r11 * b.r10 + a.r12 * b.r20,
            a.r10 * b.r01 + a.r11 * b.r11 + a.r12 * b.r21,
            a.r10 * b.r02 + a.r11 * b.r12 + a.r12 * b.r22,
            a.r20 * b.r00 + a.r21 * b.r10 + a.r22 * b.r20,
            a.r20 * b.r01 + a.r21 * b.r11 + a.r22 * b.r21,
            a.r20 * b.r02 + a.r21 * b.r12 + a.r22 * b.r22
        )
    }

    @inlinable
    public static func * (a: Rotation3, v: Vector3) -> Vector3 {
        Vector3(
            a.r00 * v.x + a.r01 * v.y + a.r02 * v.z,
            a.r10 * v.x + a.r11 * v.y + a.r12 * v.z,
            a.r20 * v.x + a.r21 * v.y + a.r22 * v.z
        )
    }
}

/// A rigid transform (rotation + translation in metres): the pose of a frame in another frame.
public struct Pose: Sendable, Equatable, BitwiseCopyable {
    public var rotation: Rotation3
    public var translation: Vector3

    @inlinable public init(rotation: Rotation3 = .identity, translation: Vector3 = .zero) {
        self.rotation = rotation
        self.translation = translation
    }

    public static let identity = Pose()

    /// Composition: the pose of frame C in A from `a` (B in A) and `b` (C in B).
    @inlinable
    public static func * (a: Pose, b: Pose) -> Pose {
        Pose(rotation: a.rotation * b.rotation, translation: a.rotation * b.translation + a.translation)
    }

    /// The point `p` (given in this pose's frame) expressed in the parent frame.
    @inlinable public func apply(_ p: Vector3) -> Vector3 { rotation * p + translation }

    /// The inverse transform.
    @inlinable
    public var inverse: Pose {
        let rt = rotation.transposed
        return Pose(rotation: rt, translation: -(rt * translation))
    }

    /// The homogeneous 4×4 matrix, row by row (allocates; for output and tests).
    public var matrixRows: [[Double]] {
        let r = rotation
        let t = translation
        return [
            [r.r00, r.r01, r.r02, t.x],
            [r.r10, r.r11, r.r12, t.y],
            [r.r20, r.r21, r.r22, t.z],
            [0, 0, 0, 1],
        ]
    }
}

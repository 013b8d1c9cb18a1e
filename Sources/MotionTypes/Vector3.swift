/// A 3-vector in metres (positions), or any other Cartesian quantity.
public struct Vector3: Sendable, Equatable, BitwiseCopyable {
    public var x: Double
    public var y: Double
    public var z: Double

    @inlinable public init(_ x: Double, _ y: Double, _ z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    public static let zero = Vector3(0, 0, 0)

    @inlinable public static func + (a: Vector3, b: Vector3) -> Vector3 { Vector3(a.x + b.x, a.y + b.y, a.z + b.z) }
    @inlinable public static func - (a: Vector3, b: Vector3) -> Vector3 { Vector3(a.x - b.x, a.y - b.y, a.z - b.z) }
    @inlinable public static prefix func - (a: Vector3) -> Vector3 { Vector3(-a.x, -a.y, -a.z) }
    @inlinable public static func * (k: Double, a: Vector3) -> Vector3 { Vector3(k * a.x, k * a.y, k * a.z) }

    @inlinable public func dot(_ b: Vector3) -> Double { x * b.x + y * b.y + z * b.z }

    @inlinable public func cross(_ b: Vector3) -> Vector3 {
        Vector3(y * b.z - z * b.y, z * b.x - x * b.z, x * b.y - y * b.x)
    }

    @inlinable public var squaredNorm: Double { dot(self) }
    @inlinable public var norm: Double { squaredNorm.squareRoot() }

    @inlinable public var isFinite: Bool { x.isFinite && y.isFinite && z.isFinite }
}

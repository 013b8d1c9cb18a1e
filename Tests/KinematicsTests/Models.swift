import Kinematics
import MotionTypes

/// Test models built straight from the published tables (not from the YAML profiles).
enum Models {
    static let degree = Double.pi / 180

    /// The dVRK PSM with the large needle driver: REFERENCE.md §1.
    static func psm(remoteCenterPoint: Vector3 = .zero) -> KinematicModel {
        let h = Double.pi / 2
        let links: [KinematicModel.Link] = [
            .init(kind: .revolute, alpha: h, a: 0, d: 0, offset: h, lower: -4.71239, upper: 4.71239),
            .init(kind: .revolute, alpha: -h, a: 0, d: 0, offset: -h, lower: -0.925025, upper: 0.925025),
            .init(kind: .prismatic, alpha: h, a: 0, d: 0, offset: -0.4318, lower: 0, upper: 0.24),
            .init(kind: .revolute, alpha: 0, a: 0, d: 0.4162, offset: 0, lower: -4.53786, upper: 4.53786),
            .init(kind: .revolute, alpha: -h, a: 0, d: 0, offset: -h, lower: -1.39626, upper: 1.39626),
            .init(kind: .revolute, alpha: -h, a: 0.0091, d: 0, offset: -h, lower: -1.39626, upper: 1.39626),
        ]
        let tool = Pose(rotation: Rotation3(0, -1, 0, 0, 0, 1, -1, 0, 0))
        return try! KinematicModel(
            convention: .modifiedDH, links: links, tool: tool,
            remoteCenter: .init(point: remoteCenterPoint, shaftJoint: 3))
    }

    /// A 3-joint desk arm in standard DH (the bench profile's geometry), with a tool offset.
    static func bench() -> KinematicModel {
        let links: [KinematicModel.Link] = [
            .init(kind: .revolute, alpha: Double.pi / 2, a: 0, d: 0.077, offset: 0, lower: -150 * degree, upper: 150 * degree),
            .init(kind: .revolute, alpha: 0, a: 0.130, d: 0, offset: Double.pi / 2, lower: -100 * degree, upper: 100 * degree),
            .init(kind: .revolute, alpha: 0, a: 0.124, d: 0, offset: -Double.pi / 2, lower: -110 * degree, upper: 110 * degree),
        ]
        return try! KinematicModel(
            convention: .standardDH, links: links, tool: Pose(translation: Vector3(0.02, 0, 0)))
    }

    /// A standard-DH chain with a prismatic joint and non-zero theta/d constants, to exercise
    /// every parameter of the standard convention.
    static func scara() -> KinematicModel {
        let links: [KinematicModel.Link] = [
            .init(kind: .revolute, alpha: 0, a: 0.3, d: 0.2, offset: 0.1, lower: -2.5, upper: 2.5),
            .init(kind: .revolute, alpha: Double.pi, a: 0.25, d: 0, offset: 0, lower: -2.5, upper: 2.5),
            .init(kind: .prismatic, alpha: 0, a: 0, d: 0, theta: 0.3, offset: 0.05, lower: 0, upper: 0.15),
            .init(kind: .revolute, alpha: 0, a: 0, d: 0.02, offset: 0, lower: -3, upper: 3),
        ]
        let base = Pose(rotation: Rotation3(0, -1, 0, 1, 0, 0, 0, 0, 1), translation: Vector3(0.5, 0, 0.1))
        return try! KinematicModel(convention: .standardDH, links: links, base: base, tool: Pose(translation: Vector3(0, 0, 0.03)))
    }
}

/// Plain 4×4 matrix products, written independently of the library's closed forms.
enum Reference {
    typealias Matrix = [[Double]]

    static func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
        (0..<4).map { i in (0..<4).map { j in (0..<4).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
    }

    static func rotX(_ t: Double) -> Matrix { [[1, 0, 0, 0], [0, cos(t), -sin(t), 0], [0, sin(t), cos(t), 0], [0, 0, 0, 1]] }
    static func rotZ(_ t: Double) -> Matrix { [[cos(t), -sin(t), 0, 0], [sin(t), cos(t), 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }
    static func transX(_ a: Double) -> Matrix { [[1, 0, 0, a], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }
    static func transZ(_ d: Double) -> Matrix { [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, d], [0, 0, 0, 1]] }

    static func matrix(_ pose: Pose) -> Matrix { pose.matrixRows }

    static func forward(_ model: KinematicModel, _ q: [Double]) -> Matrix {
        var t = matrix(model.base)
        for (link, value) in zip(model.links, q) {
            let theta = link.theta + (link.kind == .revolute ? value + link.offset : 0)
            let d = link.d + (link.kind == .prismatic ? value + link.offset : 0)
            let step: Matrix
            switch model.convention {
            case .modifiedDH:
                step = multiply(multiply(multiply(rotX(link.alpha), transX(link.a)), rotZ(theta)), transZ(d))
            case .standardDH:
                step = multiply(multiply(multiply(rotZ(theta), transZ(d)), transX(link.a)), rotX(link.alpha))
            }
            t = multiply(t, step)
        }
        return multiply(t, matrix(model.tool))
    }
}

#if canImport(Glibc)
import Glibc
#endif

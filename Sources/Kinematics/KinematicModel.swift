public import MotionTypes

/// An immutable serial-chain model: Denavit–Hartenberg links, a base transform, a fixed tool
/// transform and, optionally, a remote centre of motion. Built once from a hardware profile;
/// every query writes into a caller-owned ``KinematicScratch`` and allocates nothing
/// (the MuJoCo `mjModel` / `mjData` split).
public struct KinematicModel: Sendable {
    /// Which Denavit–Hartenberg convention the link parameters follow.
    public enum Convention: String, Sendable, CaseIterable {
        /// Modified DH (Craig): T(i-1,i) = RotX(alpha) · TransX(a) · RotZ(theta) · TransZ(d).
        case modifiedDH = "modified_dh"
        /// Standard DH: T(i-1,i) = RotZ(theta) · TransZ(d) · TransX(a) · RotX(alpha).
        case standardDH = "standard_dh"
    }

    public enum JointKind: String, Sendable, CaseIterable {
        /// theta = q + offset.
        case revolute
        /// d = q + offset.
        case prismatic
    }

    /// One link: its DH parameters, the joint that drives it, and that joint's position limits.
    public struct Link: Sendable, Equatable {
        public var kind: JointKind
        /// Radians.
        public var alpha: Double
        /// Metres.
        public var a: Double
        /// Metres. For a prismatic joint this is added to q + offset (profiles write 0 here and
        /// put the constant in `offset`).
        public var d: Double
        /// Radians. For a revolute joint this is added to q + offset (profiles write 0 here and
        /// put the constant in `offset`).
        public var theta: Double
        /// Added to the joint value (radians for revolute, metres for prismatic).
        public var offset: Double
        /// Joint position limits in joint units.
        public var lower: Double
        public var upper: Double

        let cosAlpha: Double
        let sinAlpha: Double
        /// A prismatic joint's fixed angle, worked out once.
        let fixedSin: Double
        let fixedCos: Double

        public init(
            kind: JointKind, alpha: Double, a: Double, d: Double, theta: Double = 0,
            offset: Double, lower: Double, upper: Double
        ) {
            self.kind = kind
            self.alpha = alpha
            self.a = a
            self.d = d
            self.theta = theta
            self.offset = offset
            self.lower = lower
            self.upper = upper
            self.cosAlpha = cosine(alpha)
            self.sinAlpha = sine(alpha)
            (self.fixedSin, self.fixedCos) = Elementary.sinCos(theta)
        }
    }

    /// A remote centre of motion: a fixed point (the incision port) through which the tool
    /// shaft must pass. The shaft is the axis of joint `shaftJoint` (for the PSM, the tool roll).
    public struct RemoteCenter: Sendable, Equatable {
        /// The RCM in the base frame, metres.
        public var point: Vector3
        /// Index of the joint whose axis is the tool shaft.
        public var shaftJoint: Int

        public init(point: Vector3, shaftJoint: Int) {
            self.point = point
            self.shaftJoint = shaftJoint
        }
    }

    public let convention: Convention
    public let links: [Link]
    public let base: Pose
    public let tool: Pose
    public let remoteCenter: RemoteCenter?

    /// The number of joints in the chain. Joint vectors passed to this model may be longer
    /// (e.g. an arm whose gripper jaw is not part of the chain); extra joints are ignored.
    public var jointCount: Int { links.count }

    public init(
        convention: Convention,
        links: [Link],
        base: Pose = .identity,
        tool: Pose = .identity,
        remoteCenter: RemoteCenter? = nil
    ) throws(KinematicModelError) {
        guard !links.isEmpty, links.count <= JointVector.capacity else {
            throw KinematicModelError("a chain has 1 to \(JointVector.capacity) links, not \(links.count)")
        }
        for (i, link) in links.enumerated() {
            let values = [link.alpha, link.a, link.d, link.theta, link.offset, link.lower, link.upper]
            guard values.allSatisfy(\.isFinite) else {
                throw KinematicModelError("link \(i + 1): every parameter and limit must be finite")
            }
            guard link.lower <= link.upper else {
                throw KinematicModelError("link \(i + 1): lower limit \(link.lower) is above upper limit \(link.upper)")
            }
        }
        guard Self.isRigid(base), Self.isRigid(tool) else {
            throw KinematicModelError("base and tool transforms must be finite rotations (orthonormal, det +1)")
        }
        if let rcm = remoteCenter {
            guard rcm.point.isFinite, links.indices.contains(rcm.shaftJoint) else {
                throw KinematicModelError("remote centre: shaft joint \(rcm.shaftJoint + 1) is not in the chain")
            }
        }
        self.convention = convention
        self.links = links
        self.base = base
        self.tool = tool
        self.remoteCenter = remoteCenter
    }

    /// True when `pose` has a finite, orthonormal, right-handed rotation (to 1e-9).
    public static func isRigid(_ pose: Pose) -> Bool {
        let r = pose.rotation
        let x = r.xAxis, y = r.yAxis, z = r.zAxis
        let tol = 1e-9
        guard pose.translation.isFinite, x.isFinite, y.isFinite, z.isFinite else { return false }
        return Swift.abs(x.squaredNorm - 1) < tol && Swift.abs(y.squaredNorm - 1) < tol
            && Swift.abs(z.squaredNorm - 1) < tol && Swift.abs(x.dot(y)) < tol
            && Swift.abs(y.dot(z)) < tol && Swift.abs(x.dot(z)) < tol
            && Swift.abs(x.cross(y).dot(z) - 1) < tol
    }

    /// An upper bound on how far the tool tip can be from the base frame's origin with every
    /// chain joint inside its limits, metres: each link moves the next frame by at most
    /// \|a\| + \|d\| (for a prismatic link, d at the end of its travel that is farther from 0),
    /// and the tool by its translation. Two tip positions are never farther apart than twice this.
    public var reach: Double {
        var total = tool.translation.norm
        for link in links {
            let d: Double
            switch link.kind {
            case .revolute: d = Swift.abs(link.d)
            case .prismatic:
                d = Swift.max(Swift.abs(link.lower + link.offset + link.d), Swift.abs(link.upper + link.offset + link.d))
            }
            total += Swift.abs(link.a) + d
        }
        return total
    }

    /// `q` with every chain joint clamped into its limits.
    public func clamped(_ q: JointVector) -> JointVector {
        var r = q
        for i in 0..<links.count {
            r[i] = Swift.min(Swift.max(r[i], links[i].lower), links[i].upper)
        }
        return r
    }
}

/// An inconsistent kinematic description.
public struct KinematicModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

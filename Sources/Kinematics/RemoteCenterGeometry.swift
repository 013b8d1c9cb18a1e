public import MotionTypes

/// Where the tool shaft is relative to the remote centre of motion (the incision port).
public struct RemoteCenterGeometry: Sendable, Equatable {
    /// Distance from the RCM to the shaft line, metres. 0 for a mechanical RCM that holds.
    public var shaftDistance: Double
    /// Signed distance along the shaft from the RCM to the shaft joint's frame origin (for the
    /// PSM: the wrist), metres; positive when that point is beyond the RCM, inside the patient.
    public var insertionDepth: Double
    /// Distance from the RCM to the tool tip, metres.
    public var tipDistance: Double
    /// Unit vector along the tool shaft, base frame.
    public var shaftDirection: Vector3

    public init(shaftDistance: Double, insertionDepth: Double, tipDistance: Double, shaftDirection: Vector3 = .zero) {
        self.shaftDistance = shaftDistance
        self.insertionDepth = insertionDepth
        self.tipDistance = tipDistance
        self.shaftDirection = shaftDirection
    }
}

extension KinematicModel {
    /// RCM geometry at joints `q`, or nil when the model has no remote centre. `portOffset`
    /// is where the port really is relative to the model's RCM (base frame, metres): a patient
    /// who moved, or a miscalibrated RCM.
    public func remoteCenterGeometry(_ q: JointVector, portOffset: Vector3 = .zero, scratch: inout KinematicScratch) -> RemoteCenterGeometry? {
        guard let rcm = remoteCenter else { return nil }
        let tip = forward(q, scratch: &scratch).translation
        var g = shaftGeometry(jointAxisFrame(rcm.shaftJoint, scratch), port: rcm.point + portOffset)
        g.tipDistance = (tip - (rcm.point + portOffset)).norm
        return g
    }

    /// The shaft's distance from the RCM and its insertion depth, without the tip (`tipDistance`
    /// is NaN): only the links up to the shaft's axis are computed. What the control loop needs
    /// each tick for the RCM checks (H04).
    public func shaftGeometry(_ q: JointVector, portOffset: Vector3 = .zero, scratch: inout KinematicScratch) -> RemoteCenterGeometry? {
        guard let rcm = remoteCenter else { return nil }
        precondition(q.count >= links.count, "need a value for every joint of the chain")
        return shaftGeometry(chain(q, count: framesForAxis(rcm.shaftJoint), scratch: &scratch), port: rcm.point + portOffset)
    }

    func shaftGeometry(_ shaft: Pose, port: Vector3) -> RemoteCenterGeometry {
        let direction = shaft.rotation.zAxis
        let fromShaft = port - shaft.translation
        return RemoteCenterGeometry(
            shaftDistance: fromShaft.cross(direction).norm,
            insertionDepth: (shaft.translation - port).dot(direction),
            tipDistance: .nan,
            shaftDirection: direction
        )
    }
}

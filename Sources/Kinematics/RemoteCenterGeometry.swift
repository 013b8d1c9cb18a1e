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
        let shaft = jointAxisFrame(rcm.shaftJoint, scratch)
        let direction = shaft.rotation.zAxis
        let port = rcm.point + portOffset
        let fromShaft = port - shaft.translation
        return RemoteCenterGeometry(
            shaftDistance: fromShaft.cross(direction).norm,
            insertionDepth: (shaft.translation - port).dot(direction),
            tipDistance: (tip - port).norm,
            shaftDirection: direction
        )
    }
}

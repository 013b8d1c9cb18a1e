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

    public init(shaftDistance: Double, insertionDepth: Double, tipDistance: Double) {
        self.shaftDistance = shaftDistance
        self.insertionDepth = insertionDepth
        self.tipDistance = tipDistance
    }
}

extension KinematicModel {
    /// RCM geometry at joints `q`, or nil when the model has no remote centre.
    public func remoteCenterGeometry(_ q: JointVector, scratch: inout KinematicScratch) -> RemoteCenterGeometry? {
        guard let rcm = remoteCenter else { return nil }
        let tip = forward(q, scratch: &scratch).translation
        let shaft = jointAxisFrame(rcm.shaftJoint, scratch)
        let direction = shaft.rotation.zAxis
        let fromShaft = rcm.point - shaft.translation
        return RemoteCenterGeometry(
            shaftDistance: fromShaft.cross(direction).norm,
            insertionDepth: (shaft.translation - rcm.point).dot(direction),
            tipDistance: (tip - rcm.point).norm
        )
    }
}

import Foundation
import Yams
import Kinematics
import MotionTypes
import SerialBus

/// Reads and validates hardware-profile files. Validation is strict: unknown keys, missing
/// fields, values without units, non-finite numbers, min > max and thresholds of 0 that are not
/// explicitly `disabled: true` are all rejected, each with file, line, column, field and reason.
public enum ProfileLoader {
    /// The value of the `format` key this version reads.
    public static let format = "vigil-profile/1"

    /// Loads the profile at `path`.
    public static func load(path: String) throws(ValidationError) -> HardwareProfile {
        let text = try readInputFile(path)
        return try decode(text, path: path)
    }

    /// Decodes profile text; `path` names the file in diagnostics.
    public static func decode(_ text: String, path: String) throws(ValidationError) -> HardwareProfile {
        let reader = YAMLReader(file: path)
        let profile = reader.compose(text).flatMap { ProfileDecoding(reader: reader, path: path).decode($0) }
        guard let profile, !reader.hasErrors else { throw ValidationError(reader.diagnostics) }
        return profile
    }
}

/// Reads a UTF-8 input file, turning I/O problems into a diagnostic on line 1.
func readInputFile(_ path: String) throws(ValidationError) -> String {
    let location = FileLocation(file: path, line: 1, column: 1)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ValidationError([Diagnostic(location: location, field: "", message: "no such file")])
    }
    guard !isDirectory.boolValue else {
        throw ValidationError([Diagnostic(location: location, field: "", message: "is a folder, not a file")])
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError([Diagnostic(location: location, field: "", message: "cannot read the file (permissions?)")])
    }
    guard let text = String(data: data, encoding: .utf8) else {
        // Point at the first line that is not UTF-8, so the editor can jump there (a newline
        // byte is never part of a longer UTF-8 sequence, so each line can be checked alone).
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let line = 1 + (lines.firstIndex { String(data: Data($0), encoding: .utf8) == nil } ?? 0)
        throw ValidationError([
            Diagnostic(location: FileLocation(file: path, line: line, column: 1), field: "", message: "the file is not UTF-8 text (this line is the first that is not)")
        ])
    }
    return text
}

/// The quantities whose dimension depends on the joint kind.
enum JointQuantity {
    case position, velocity, acceleration, effort, inertia, damping

    func dimension(_ kind: KinematicModel.JointKind) -> PhysicalDimension {
        switch (self, kind) {
        case (.position, .revolute): return .angle
        case (.position, .prismatic): return .length
        case (.velocity, .revolute): return .angularVelocity
        case (.velocity, .prismatic): return .linearVelocity
        case (.acceleration, .revolute): return .angularAcceleration
        case (.acceleration, .prismatic): return .linearAcceleration
        case (.effort, .revolute): return .torque
        case (.effort, .prismatic): return .force
        case (.inertia, .revolute): return .inertia
        case (.inertia, .prismatic): return .mass
        case (.damping, .revolute): return .rotationalDamping
        case (.damping, .prismatic): return .linearDamping
        }
    }
}

struct ProfileDecoding {
    let reader: YAMLReader
    let path: String
    /// Mention 'disabled: true' when a value is 0 (profiles' thresholds, not scenarios' values).
    var thresholdHints = true

    static let supportedBaudRates = Dynamixel.baudRates

    func decode(_ root: Node) -> HardwareProfile? {
        guard let top = MappingReader(reader, Field(node: root, path: "")) else { return nil }
        if let f = top.required("format", "write 'format: \(ProfileLoader.format)'"), let value = reader.string(f),
            value != ProfileLoader.format
        {
            reader.report(f, "unsupported format '\(value)'; this Vigil reads '\(ProfileLoader.format)'")
        }
        let id = top.required("id").flatMap { identifier($0) }
        let name = top.required("name").flatMap { reader.string($0) }
        let control = top.required("control").flatMap { self.control($0) }
        let rate = control?.rate
        let decodedJoints = top.required("joints").flatMap { self.joints($0) }
        let kinematicsField = top.required("kinematics")
        let actuatorsField = top.required("actuators")
        let safetyField = top.required("safety")
        let busField = top.optional("bus")
        let simulation = top.required("simulation", "plant figures for the simulator").flatMap { self.simulation($0) }
        top.rejectUnknownKeys()

        // Everything below needs the joints' names and types.
        guard let (joints, jointsValid) = decodedJoints else { return nil }
        let kinematics = kinematicsField.flatMap { self.kinematics($0, joints: joints) }
        let actuators = actuatorsField.flatMap { self.actuators($0, joints: joints) }
        let safety = safetyField.flatMap {
            self.safety(
                $0, joints: joints, jointsValid: jointsValid, rate: rate, actuators: actuators?.drives,
                hasRemoteCenter: kinematics.map { $0.model.remoteCenter != nil } ?? true, reach: kinematics?.model.reach)
        }
        let bus = busField.flatMap { self.bus($0, joints: joints) }

        guard jointsValid, let id, let name, let control, let kinematics, let actuators, let safety, let simulation else { return nil }
        if let minimum = safety.supplyVoltage.threshold?.value, minimum >= simulation.supplyVoltage {
            // Reported at the threshold (the value a check names), quoting both as written.
            let minimumNode = safetyField?.node["supply_voltage"]?["min"]
            let supplyText = root["simulation"]?["supply_voltage"]?.string ?? "\(simulation.supplyVoltage) V"
            let location = minimumNode.map(reader.location) ?? FileLocation(file: path, line: 1, column: 1)
            reader.report(
                line: location.line, column: location.column, field: "safety.supply_voltage.min",
                "\(minimumNode?.string ?? "\(minimum) V") is not below simulation.supply_voltage (\(supplyText)): every simulated run would trip")
            return nil
        }
        if busField != nil && bus == nil { return nil }
        return HardwareProfile(
            path: path, id: id, name: name, rate: control.rate, servoBandwidth: control.bandwidth, joints: joints,
            kinematics: kinematics.model,
            chainJointCount: kinematics.model.jointCount, actuators: actuators.drives, coupling: actuators.coupling,
            safety: safety, bus: bus, simulation: simulation)
    }

    // MARK: Scalars with constraints

    func identifier(_ field: Field) -> String? {
        guard let text = reader.string(field) else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        guard text.allSatisfy({ allowed.contains($0) }) else {
            reader.report(field, "'\(text)' may hold only lowercase letters, digits, '-' and '_'")
            return nil
        }
        return text
    }

    /// A quantity that must be > 0. A 0 gets the hint about `disabled: true`.
    func positive(_ field: Field, _ dimension: PhysicalDimension) -> Double? {
        guard let value = reader.quantity(field, dimension) else { return nil }
        return checkPositive(field, value)
    }

    func positiveNumber(_ field: Field) -> Double? {
        guard let value = reader.number(field) else { return nil }
        return checkPositive(field, value)
    }

    private func checkPositive(_ field: Field, _ value: Double) -> Double? {
        if value == 0 {
            reader.report(
                field,
                thresholdHints && field.path.hasPrefix("safety.")
                    ? "must be greater than 0 (a threshold of 0 does not disable a check in Vigil: write 'disabled: true' with a 'reason' instead)"
                    : "must be greater than 0")
            return nil
        }
        if value < 0 {
            reader.report(field, "must be greater than 0, got \(field.text)")
            return nil
        }
        return value
    }

    /// A point in time or a duration that may be 0 (`at: 0 ms`), as a whole number of ticks.
    func instant(_ field: Field, rate: Double) -> Int64? {
        tickCount(field, rate: rate, minimum: 0)
    }

    /// A duration written in time units or `ticks`, as a whole number of ticks ≥ 1.
    func ticks(_ field: Field, rate: Double?) -> Int? {
        tickCount(field, rate: rate, minimum: 1).map(Int.init)
    }

    /// The most ticks any duration may be: 2⁴⁰, about 35 years at 1 kHz. Far beyond any run,
    /// and far enough below `Int64.max` that an onset plus a duration cannot overflow.
    static let maximumTicks: Int64 = 1 << 40

    /// `N ticks`, or a time that is a whole number of control periods, as ticks ≥ `minimum`
    /// and ≤ ``maximumTicks``. Without a rate (its own error is already reported) only the
    /// tick form can be read.
    private func tickCount(_ field: Field, rate: Double?, minimum: Int64) -> Int64? {
        let tooLong = "is too long: at most \(Self.maximumTicks) ticks"
        guard let text = reader.scalar(field) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let disableHint = minimum > 0 ? " (to turn the check off write 'disabled: true' with a 'reason')" : ""
        if trimmed.hasSuffix("tick") || trimmed.hasSuffix("ticks") {
            let number = trimmed.dropLast(trimmed.hasSuffix("ticks") ? 5 : 4).trimmingCharacters(in: .whitespaces)
            guard let n = Int64(number) else {
                if !number.isEmpty && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber) {
                    reader.report(field, "\(text) \(tooLong)")  // digits beyond Int64
                } else {
                    reader.report(field, "'\(text)' is not a whole number of ticks")
                }
                return nil
            }
            guard n >= minimum else {
                reader.report(field, "must be at least \(minimum) tick\(minimum == 1 ? "" : "s")\(disableHint)")
                return nil
            }
            guard n <= Self.maximumTicks else {
                reader.report(field, "\(text) \(tooLong)")
                return nil
            }
            return n
        }
        if case .failure(.missingUnit) = Quantity.parse(text, as: .time) {
            reader.report(field, "'\(text)' has no unit: expected a time (s, ms, us) or a number of ticks, e.g. '\(text) ms' or '\(text) \(text.trimmingCharacters(in: .whitespaces) == "1" ? "tick" : "ticks")'")
            return nil
        }
        guard let seconds = minimum > 0 ? positive(field, .time) : nonNegative(field, .time) else { return nil }
        guard let rate else { return nil }
        let exact = seconds * rate
        guard exact <= Double(Self.maximumTicks) else {
            reader.report(field, "\(text) \(tooLong) (\(formatPeriod(rate)) each at \(formatRate(rate)))")
            return nil
        }
        let n = exact.rounded()
        guard abs(exact - n) < 1e-6 * max(1, exact), n >= Double(minimum) else {
            reader.report(field, "\(text) is not a whole number of control periods (\(formatPeriod(rate)) at \(formatRate(rate)))")
            return nil
        }
        return Int64(n)
    }

    // MARK: Sections

    func control(_ field: Field) -> (rate: Double, bandwidth: Double)? {
        guard let m = MappingReader(reader, field) else { return nil }
        let rate = m.required("rate").flatMap { f -> Double? in
            guard let r = positive(f, .frequency) else { return nil }
            guard r <= 100_000 else {
                reader.report(f, "\(f.text) is above the 100 kHz Vigil supports")
                return nil
            }
            return r
        }
        let bandwidthField = m.required("servo_bandwidth", "joint servo bandwidth; gains follow from each joint's inertia")
        let bandwidth = bandwidthField.flatMap { positive($0, .frequency) }
        m.rejectUnknownKeys()
        guard let rate, let bandwidth, let bandwidthField else { return nil }
        guard bandwidth <= rate / 20 else {
            reader.report(bandwidthField, "\(bandwidthField.text) is too close to the control rate; keep it at most rate / 20 (\(formatRate(rate / 20)))")
            return nil
        }
        return (rate, bandwidth)
    }

    func simulation(_ field: Field) -> HardwareProfile.Simulation? {
        guard let m = MappingReader(reader, field) else { return nil }
        let substeps = m.required("substeps", "integration steps per control period").flatMap { reader.integer($0, in: 1...100) }
        let supply = m.required("supply_voltage").flatMap { positive($0, .voltage) }
        let brownout = m.required("brownout_voltage", "below it the amplifiers cannot drive").flatMap { positive($0, .voltage) }
        let ambient = m.required("ambient_temperature").flatMap { reader.quantity($0, .temperature) }
        let currentNoise = m.required("current_noise").flatMap { nonNegative($0, .current) }
        let temperatureNoise = m.required("temperature_noise").flatMap { nonNegative($0, .temperature) }
        m.rejectUnknownKeys()
        guard let substeps, let supply, let brownout, let ambient, let currentNoise, let temperatureNoise else { return nil }
        if brownout >= supply, let f = m.optional("brownout_voltage") {
            reader.report(f, "must be below supply_voltage (\(m.optional("supply_voltage")?.text ?? ""))")
            return nil
        }
        return HardwareProfile.Simulation(
            substeps: substeps, supplyVoltage: supply, brownoutVoltage: brownout, ambientTemperature: ambient,
            currentNoise: currentNoise, temperatureNoise: temperatureNoise)
    }

    func nonNegative(_ field: Field, _ dimension: PhysicalDimension) -> Double? {
        guard let v = reader.quantity(field, dimension) else { return nil }
        guard v >= 0 else {
            reader.report(field, "must not be negative, got \(field.text)")
            return nil
        }
        return v
    }

    /// The joints, and whether all of them were valid. A joint whose name and type are known
    /// but whose values are not gets a placeholder, so the rest of the file is still checked.
    func joints(_ field: Field) -> (joints: [HardwareProfile.Joint], valid: Bool)? {
        guard let elements = reader.sequence(field) else { return nil }
        guard (1...JointVector.capacity).contains(elements.count) else {
            reader.report(field, "an arm has 1 to \(JointVector.capacity) joints, this lists \(elements.count)")
            return nil
        }
        var joints: [HardwareProfile.Joint] = []
        var ok = true
        var placeholders = 0
        for element in elements {
            guard let m = MappingReader(reader, element) else {
                ok = false
                continue
            }
            let name = m.required("name").flatMap { identifier($0) }
            let kind = m.required("type").flatMap { reader.choice($0, KinematicModel.JointKind.self) }
            let limitsField = m.required("limits", "min and max")
            let velocityField = m.required("max_velocity")
            let accelerationField = m.required("max_acceleration")
            let effortField = m.required("max_effort")
            m.rejectUnknownKeys()
            guard let kind else {
                ok = false
                continue
            }
            var lower: Double?, upper: Double?
            if let limitsField, let lm = MappingReader(reader, limitsField) {
                let minField = lm.required("min")
                let maxField = lm.required("max")
                lm.rejectUnknownKeys()
                lower = minField.flatMap { reader.quantity($0, JointQuantity.position.dimension(kind)) }
                upper = maxField.flatMap { reader.quantity($0, JointQuantity.position.dimension(kind)) }
                if let lo = lower, let hi = upper, lo >= hi, let maxField {
                    reader.report(maxField, "max (\(maxField.text)) must be greater than min (\(minField?.text ?? ""))")
                    upper = nil
                }
            }
            let velocity = velocityField.flatMap { positive($0, JointQuantity.velocity.dimension(kind)) }
            let acceleration = accelerationField.flatMap { positive($0, JointQuantity.acceleration.dimension(kind)) }
            let effort = effortField.flatMap { positive($0, JointQuantity.effort.dimension(kind)) }
            guard let name else {
                ok = false
                continue
            }
            guard let lower, let upper, let velocity, let acceleration, let effort else {
                ok = false
                joints.append(.init(name: name, kind: kind, lower: -1, upper: 1, maxVelocity: 1, maxAcceleration: 1, maxEffort: 1))
                placeholders += 1
                continue
            }
            if joints.contains(where: { $0.name == name }) {
                reader.report(element.child("name", m.optional("name")!.node), "joint name '\(name)' is used twice")
                ok = false
                continue
            }
            joints.append(
                HardwareProfile.Joint(
                    name: name, kind: kind, lower: lower, upper: upper, maxVelocity: velocity,
                    maxAcceleration: acceleration, maxEffort: effort))
        }
        // Without every joint's name and type, per-joint lists cannot be checked.
        guard joints.count == elements.count else { return nil }
        return (joints, ok && placeholders == 0)
    }

    /// Looks a joint up by name, reporting an unknown name with the known ones.
    func jointIndex(_ field: Field, _ joints: [HardwareProfile.Joint]) -> Int? {
        guard let name = reader.string(field) else { return nil }
        if let index = joints.firstIndex(where: { $0.name == name }) { return index }
        var message = "no joint named '\(name)' (joints: \(joints.map(\.name).joined(separator: ", ")))"
        if let suggestion = closest(name, in: joints.map(\.name)) { message += "; did you mean '\(suggestion)'?" }
        reader.report(field, message)
        return nil
    }

    /// A list with one value per joint, each in the unit its joint's kind needs.
    /// With `below`, each value must be less than its joint's ceiling.
    func perJoint(_ field: Field, _ joints: [HardwareProfile.Joint], _ quantity: JointQuantity, below ceiling: Ceilings? = nil) -> JointVector? {
        guard let elements = reader.sequence(field, count: joints.count, what: "values, one per joint (\(joints.map(\.name).joined(separator: ", ")))")
        else { return nil }
        var values = JointVector(count: joints.count)
        var ok = true
        for (i, element) in elements.enumerated() {
            if let v = positive(element, quantity.dimension(joints[i].kind)).flatMap({ below(element, $0, ceiling?(i)) }) {
                values[i] = v
            } else {
                ok = false
            }
        }
        return ok ? values : nil
    }

    struct DecodedKinematics {
        var model: KinematicModel
    }

    func kinematics(_ field: Field, joints: [HardwareProfile.Joint]) -> DecodedKinematics? {
        guard let m = MappingReader(reader, field) else { return nil }
        let convention = m.required("convention").flatMap { reader.choice($0, KinematicModel.Convention.self) }
        let chainField = m.required("chain", "one DH row per joint of the serial chain")
        let base = m.optional("base").flatMap { transform($0) }
        let baseGiven = m.contains("base")
        let tool = m.optional("tool").flatMap { transform($0) }
        let toolGiven = m.contains("tool")
        let rcmField = m.optional("remote_center")
        m.rejectUnknownKeys()

        var links: [KinematicModel.Link] = []
        var chainOK = chainField != nil
        if let chainField, let rows = reader.sequence(chainField) {
            if rows.count > joints.count {
                reader.report(chainField, "the chain has \(rows.count) links but the arm has \(joints.count) joints")
                chainOK = false
            }
            for (i, row) in rows.enumerated() where i < joints.count {
                guard let link = dhRow(row, index: i, joints: joints) else {
                    chainOK = false
                    continue
                }
                links.append(link)
            }
        } else {
            chainOK = false
        }
        var remoteCenter: KinematicModel.RemoteCenter?
        var rcmOK = true
        if let rcmField, let rm = MappingReader(reader, rcmField) {
            let pointField = rm.required("point", "[x, y, z] with units, in the base frame")
            let shaftField = rm.required("shaft_joint", "the joint whose axis is the tool shaft")
            rm.rejectUnknownKeys()
            let point = pointField.flatMap { vector($0) }
            var shaft: Int?
            if let shaftField, let index = jointIndex(shaftField, joints) {
                if index < links.count || !chainOK {
                    shaft = index
                } else {
                    reader.report(shaftField, "'\(joints[index].name)' is not part of the kinematic chain")
                }
            }
            if let point, let shaft { remoteCenter = .init(point: point, shaftJoint: shaft) } else { rcmOK = false }
        } else if rcmField != nil {
            rcmOK = false
        }
        guard let convention, chainOK, rcmOK, baseGiven == (base != nil), toolGiven == (tool != nil) else { return nil }
        do {
            let model = try KinematicModel(
                convention: convention, links: links, base: base ?? .identity, tool: tool ?? .identity,
                remoteCenter: remoteCenter)
            return DecodedKinematics(model: model)
        } catch {
            reader.report(field, error.message)
            return nil
        }
    }

    func dhRow(_ row: Field, index: Int, joints: [HardwareProfile.Joint]) -> KinematicModel.Link? {
        guard let m = MappingReader(reader, row) else { return nil }
        let jointField = m.required("joint")
        let alpha = m.required("alpha").flatMap { reader.quantity($0, .angle) }
        let a = m.required("a").flatMap { reader.quantity($0, .length) }
        var jointOK = false
        var kind: KinematicModel.JointKind?
        if let jointField, let j = jointIndex(jointField, joints) {
            if j != index {
                reader.report(
                    jointField,
                    "chain link \(index + 1) drives '\(joints[j].name)', but joints[\(index)] is '\(joints[index].name)': list the chain's joints first in 'joints', in chain order")
            } else {
                jointOK = true
                kind = joints[j].kind
            }
        }
        // The joint variable's own parameter (theta for revolute, d for prismatic) is not written.
        var d = 0.0, theta = 0.0, offset: Double?
        var paramsOK = true
        switch kind {
        case .revolute:
            if let f = m.required("d") { if let v = reader.quantity(f, .length) { d = v } else { paramsOK = false } } else { paramsOK = false }
            offset = m.required("offset").flatMap { reader.quantity($0, .angle) }
        case .prismatic:
            if let f = m.required("theta") { if let v = reader.quantity(f, .angle) { theta = v } else { paramsOK = false } } else { paramsOK = false }
            offset = m.required("offset").flatMap { reader.quantity($0, .length) }
        case nil:
            _ = m.optional("d")
            _ = m.optional("theta")
            _ = m.optional("offset")
        }
        if kind != nil, let extra = kind == .revolute ? m.optional("theta") : m.optional("d") {
            let variable = kind == .revolute ? "theta" : "d"
            reader.report(extra, "'\(variable)' is the joint variable of a \(kind!.rawValue) joint (q + offset): give 'offset' instead")
            paramsOK = false
        }
        m.rejectUnknownKeys()
        guard jointOK, paramsOK, let kind, let alpha, let a, let offset else { return nil }
        let joint = joints[index]
        return KinematicModel.Link(
            kind: kind, alpha: alpha, a: a, d: d, theta: theta, offset: offset, lower: joint.lower, upper: joint.upper)
    }

    /// `[x, y, z]` with length units.
    func vector(_ field: Field) -> Vector3? {
        guard let elements = reader.sequence(field, count: 3, what: "coordinates [x, y, z]") else { return nil }
        let values = elements.map { reader.quantity($0, .length) }
        guard let x = values[0], let y = values[1], let z = values[2] else { return nil }
        return Vector3(x, y, z)
    }

    /// `{ rotation: 3×3 rows, translation: [x, y, z] }`.
    func transform(_ field: Field) -> Pose? {
        guard let m = MappingReader(reader, field) else { return nil }
        let rotationField = m.required("rotation", "a 3×3 rotation matrix, row by row")
        let translationField = m.required("translation", "[x, y, z] with units")
        m.rejectUnknownKeys()
        let translation = translationField.flatMap { vector($0) }
        var rotation: Rotation3?
        if let rotationField, let rows = matrix(rotationField, rows: 3, columns: 3) {
            let r = Rotation3(
                rows[0][0], rows[0][1], rows[0][2], rows[1][0], rows[1][1], rows[1][2], rows[2][0], rows[2][1], rows[2][2])
            if KinematicModel.isRigid(Pose(rotation: r)) {
                rotation = r
            } else {
                reader.report(rotationField, "is not a rotation: rows must be orthonormal with determinant +1 (to 1e-9; write enough digits, e.g. 0.8660254037844386)")
            }
        }
        guard let rotation, let translation else { return nil }
        return Pose(rotation: rotation, translation: translation)
    }

    func matrix(_ field: Field, rows: Int, columns: Int) -> [[Double]]? {
        guard let rowFields = reader.sequence(field, count: rows, what: "rows") else { return nil }
        var result: [[Double]] = []
        var ok = true
        for rowField in rowFields {
            guard let cells = reader.sequence(rowField, count: columns, what: "numbers in the row") else {
                ok = false
                continue
            }
            let values = cells.map { reader.number($0) }
            if values.contains(where: { $0 == nil }) { ok = false }
            result.append(values.map { $0 ?? 0 })
        }
        return ok ? result : nil
    }

    // MARK: Actuators

    func actuators(_ field: Field, joints: [HardwareProfile.Joint]) -> (drives: [HardwareProfile.Actuator], coupling: HardwareProfile.Coupling?)? {
        guard let m = MappingReader(reader, field) else { return nil }
        let drivesField = m.required("drives", "one per joint")
        let couplingField = m.optional("coupling")
        m.rejectUnknownKeys()
        var drives: [HardwareProfile.Actuator?] = Array(repeating: nil, count: joints.count)
        var ok = drivesField != nil
        if let drivesField, let elements = reader.sequence(drivesField) {
            for element in elements {
                guard let drive = actuator(element, joints: joints) else {
                    ok = false
                    continue
                }
                if drives[drive.actuator.joint] != nil {
                    reader.report(drive.jointField, "joint '\(joints[drive.actuator.joint].name)' has two drives")
                    ok = false
                }
                drives[drive.actuator.joint] = drive.actuator
            }
            let missing = joints.indices.filter { drives[$0] == nil }
            if ok, !missing.isEmpty {
                reader.report(drivesField, "no drive for joint\(missing.count == 1 ? "" : "s") \(missing.map { "'\(joints[$0].name)'" }.joined(separator: ", "))")
                ok = false
            }
        } else {
            ok = false
        }
        var coupling: HardwareProfile.Coupling?
        if let couplingField {
            coupling = self.coupling(couplingField, joints: joints)
            if coupling == nil { ok = false }
        }
        guard ok else { return nil }
        return (drives.compactMap { $0 }, coupling)
    }

    func actuator(_ field: Field, joints: [HardwareProfile.Joint]) -> (actuator: HardwareProfile.Actuator, jointField: Field)? {
        guard let m = MappingReader(reader, field) else { return nil }
        let jointField = m.required("joint")
        let joint = jointField.flatMap { jointIndex($0, joints) }
        var reduction: Double?
        if let joint {
            switch joints[joint].kind {
            case .revolute:
                reduction = m.required("gear_ratio", "motor turns per joint turn").flatMap { positiveNumber($0) }
            case .prismatic:
                // Motor radians per metre of travel from the lead (travel per motor turn).
                reduction = m.required("lead", "joint travel per motor turn").flatMap { positive($0, .length) }
                    .map { 2 * Double.pi / $0 }
            }
        } else {
            _ = m.optional("gear_ratio")
            _ = m.optional("lead")
        }
        let counts = m.required("encoder_counts_per_rev").flatMap { reader.integer($0, in: 1...Int(Int32.max)) }
        let kt = m.required("torque_constant").flatMap { positive($0, .torqueConstant) }
        let currentMax = m.required("current_max").flatMap { positive($0, .current) }
        let brake = m.required("brake", "true or false").flatMap { reader.bool($0) }
        var potentiometer: HardwareProfile.Potentiometer?
        var potOK = true
        if let potField = m.required("potentiometer", "'none', or a mapping with 'noise'") {
            if case let .scalar(s) = potField.node, s.string == "none" {
                potentiometer = nil
            } else if let pm = MappingReader(reader, potField) {
                let noiseField = pm.required("noise", "standard deviation of the reading")
                pm.rejectUnknownKeys()
                if let noiseField, let joint, let noise = reader.quantity(noiseField, JointQuantity.position.dimension(joints[joint].kind)) {
                    if noise < 0 {
                        reader.report(noiseField, "must not be negative")
                        potOK = false
                    } else {
                        potentiometer = HardwareProfile.Potentiometer(noise: noise)
                    }
                } else {
                    potOK = false
                }
            } else {
                potOK = false
            }
        } else {
            potOK = false
        }
        let dynamicsField = m.required("dynamics", "inertia, friction, gravity and brake torque at the joint")
        let thermalField = m.required("thermal", "winding resistance, thermal resistance and time constant")
        m.rejectUnknownKeys()
        guard let jointField, let joint, let reduction, let counts, let kt, let currentMax, let brake, potOK else { return nil }
        guard let dynamicsField, let dynamics = dynamics(dynamicsField, kind: joints[joint].kind, brake: brake),
            let thermalField, let thermal = thermal(thermalField)
        else { return nil }
        return (
            HardwareProfile.Actuator(
                joint: joint, reduction: reduction, encoderCountsPerRevolution: counts, torqueConstant: kt,
                currentMax: currentMax, potentiometer: potentiometer, hasBrake: brake, dynamics: dynamics, thermal: thermal),
            jointField
        )
    }

    func dynamics(_ field: Field, kind: KinematicModel.JointKind, brake: Bool) -> HardwareProfile.Dynamics? {
        guard let m = MappingReader(reader, field) else { return nil }
        let inertia = m.required("inertia").flatMap { positive($0, JointQuantity.inertia.dimension(kind)) }
        let viscous = m.required("viscous_friction").flatMap { nonNegative($0, JointQuantity.damping.dimension(kind)) }
        let coulomb = m.required("coulomb_friction").flatMap { nonNegative($0, JointQuantity.effort.dimension(kind)) }
        let gravity = m.required("gravity", "load amplitude: revolute -G sin(q), prismatic +G").flatMap {
            reader.quantity($0, JointQuantity.effort.dimension(kind))
        }
        var brakeTorque = 0.0
        var brakeOK = true
        if brake {
            if let f = m.required("brake_torque", "holding torque or force of the brake"),
                let v = positive(f, JointQuantity.effort.dimension(kind))
            {
                brakeTorque = v
            } else {
                brakeOK = false
            }
        } else if let f = m.optional("brake_torque") {
            reader.report(f, "this drive has no brake (brake: false)")
            brakeOK = false
        }
        m.rejectUnknownKeys()
        guard let inertia, let viscous, let coulomb, let gravity, brakeOK else { return nil }
        return HardwareProfile.Dynamics(
            inertia: inertia, viscousFriction: viscous, coulombFriction: coulomb, gravity: gravity, brakeTorque: brakeTorque)
    }

    func thermal(_ field: Field) -> HardwareProfile.Thermal? {
        guard let m = MappingReader(reader, field) else { return nil }
        let winding = m.required("winding_resistance").flatMap { positive($0, .resistance) }
        let resistance = m.required("thermal_resistance").flatMap { positive($0, .thermalResistance) }
        let timeConstant = m.required("time_constant").flatMap { positive($0, .time) }
        m.rejectUnknownKeys()
        guard let winding, let resistance, let timeConstant else { return nil }
        return HardwareProfile.Thermal(windingResistance: winding, thermalResistance: resistance, timeConstant: timeConstant)
    }

    func coupling(_ field: Field, joints: [HardwareProfile.Joint]) -> HardwareProfile.Coupling? {
        guard let m = MappingReader(reader, field) else { return nil }
        let jointsField = m.required("joints", "the coupled joints, by name")
        let matrixField = m.required("actuator_to_joint", "square matrix: joint positions = matrix · actuator positions")
        m.rejectUnknownKeys()
        guard let jointsField, let names = reader.sequence(jointsField) else { return nil }
        let indices = names.map { jointIndex($0, joints) }
        guard indices.allSatisfy({ $0 != nil }) else { return nil }
        let coupled = indices.map { $0! }
        if Set(coupled).count != coupled.count {
            reader.report(jointsField, "a joint is listed twice")
            return nil
        }
        guard let matrixField, let matrix = matrix(matrixField, rows: coupled.count, columns: coupled.count) else { return nil }
        if abs(determinant(matrix)) < 1e-9 {
            reader.report(matrixField, "is singular: joint positions could not be turned back into actuator positions")
            return nil
        }
        return HardwareProfile.Coupling(joints: coupled, actuatorToJoint: matrix)
    }

    // MARK: Bus

    func bus(_ field: Field, joints: [HardwareProfile.Joint]) -> HardwareProfile.Bus? {
        guard let m = MappingReader(reader, field) else { return nil }
        let port = m.required("port", "e.g. /dev/ttyUSB0").flatMap { reader.string($0) }
        let baud = m.required("baud").flatMap { f -> Int? in
            guard let b = reader.integer(f, in: 1...Int(Int32.max)) else { return nil }
            guard Self.supportedBaudRates.contains(b) else {
                reader.report(f, "\(b) is not a DYNAMIXEL X-series baud rate (\(Self.supportedBaudRates.map(String.init).joined(separator: ", ")))")
                return nil
            }
            return b
        }
        let servosField = m.required("servos")
        m.rejectUnknownKeys()
        var servos: [HardwareProfile.Servo] = []
        var ok = servosField != nil
        if let servosField, let elements = reader.sequence(servosField) {
            for element in elements {
                guard let sm = MappingReader(reader, element) else {
                    ok = false
                    continue
                }
                let idField = sm.required("id")
                let id = idField.flatMap { reader.integer($0, in: 0...252) }
                let jointField = sm.required("joint")
                let joint = jointField.flatMap { jointIndex($0, joints) }
                let model = sm.required("model_number", "e.g. 1020 for XM430-W350").flatMap { reader.integer($0, in: 0...65535) }
                let zero = sm.required("zero_position", "goal-position pulses at joint position 0").flatMap {
                    reader.integer($0, in: -1_048_575...1_048_575)
                }
                let direction = sm.required("direction", "1 or -1").flatMap { f -> Int? in
                    switch reader.scalar(f) {
                    case "1", "+1": return 1
                    case "-1": return -1
                    default:
                        reader.report(f, "must be 1 or -1")
                        return nil
                    }
                }
                let firmwareField = sm.optional("firmware")
                let firmware = firmwareField.flatMap { reader.integer($0, in: 0...255) }
                sm.rejectUnknownKeys()
                guard let id, let joint, let model, let zero, let direction, firmwareField == nil || firmware != nil else {
                    ok = false
                    continue
                }
                if servos.contains(where: { $0.id == id }), let idField {
                    reader.report(idField, "servo id \(id) is used twice")
                    ok = false
                }
                if servos.contains(where: { $0.joint == joint }), let jointField {
                    reader.report(jointField, "joint '\(joints[joint].name)' has two servos")
                    ok = false
                }
                servos.append(.init(id: id, joint: joint, modelNumber: model, zeroPosition: zero, direction: direction, firmware: firmware))
            }
            // A joint without a servo would be enabled and commanded with nothing attached, and
            // the interlock would judge readings of zero.
            let unserved = joints.indices.filter { j in !servos.contains { $0.joint == j } }
            if ok && !unserved.isEmpty {
                let names = unserved.map { "'\(joints[$0].name)'" }.joined(separator: ", ")
                reader.report(
                    servosField, "\(unserved.count == 1 ? "joint \(names) has" : "joints \(names) have") no servo: every joint needs one on the bus")
                ok = false
            }
        } else {
            ok = false
        }
        guard ok, let port, let baud else { return nil }
        return HardwareProfile.Bus(port: port, baud: baud, servos: servos)
    }
}

/// Determinant by Gaussian elimination with partial pivoting.
func determinant(_ matrix: [[Double]]) -> Double {
    var a = matrix
    let n = a.count
    var det = 1.0
    for col in 0..<n {
        guard let pivot = (col..<n).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }), a[pivot][col] != 0 else { return 0 }
        if pivot != col {
            a.swapAt(pivot, col)
            det = -det
        }
        det *= a[col][col]
        for row in (col + 1)..<n {
            let factor = a[row][col] / a[col][col]
            for k in col..<n { a[row][k] -= factor * a[col][k] }
        }
    }
    return det
}

/// "1 kHz", "333 Hz", "62.5 Hz".
public func formatRate(_ rate: Double) -> String {
    if rate >= 1000 && rate.truncatingRemainder(dividingBy: 1000) == 0 { return "\(Int(rate / 1000)) kHz" }
    return rate == rate.rounded() ? "\(Int(rate)) Hz" : "\(rate) Hz"
}

/// "1 ms", "3.003 ms".
func formatPeriod(_ rate: Double) -> String {
    let ms = 1000 / rate
    return ms == ms.rounded() ? "\(Int(ms)) ms" : String(format: "%.4g ms", ms)
}

import ControlLoop
import Foundation
import Kinematics
import MotionTypes
import Synchronization
import Yams

/// Reads and validates scenario files, as strictly as profiles: every problem with file, line,
/// column, field and reason.
public enum ScenarioLoader {
    public static let format = "vigil-scenario/1"

    /// `profiles`: a cache shared by the files of one campaign, which mostly name the same
    /// profile (each is then read and validated once).
    public static func load(path: String, profiles: ProfileCache? = nil) throws(ValidationError) -> Scenario {
        let text = try readInputFile(path)
        return try decode(text, path: path, profiles: profiles)
    }

    public static func decode(_ text: String, path: String, profiles: ProfileCache? = nil) throws(ValidationError) -> Scenario {
        let reader = YAMLReader(file: path)
        return try decode(root: reader.compose(text), reader: reader, path: path, profiles: profiles)
    }

    /// A scenario from a document `reader` has already parsed (`loadAny` parses once to tell
    /// the kinds of file apart).
    static func decode(root: Node?, reader: YAMLReader, path: String, profiles: ProfileCache?) throws(ValidationError) -> Scenario {
        var loadedProfile: HardwareProfile?
        var profileErrors: [Diagnostic] = []
        let scenario = root.flatMap {
            ScenarioDecoding(reader: reader, path: path, profiles: profiles).decode($0, loadedProfile: &loadedProfile, profileErrors: &profileErrors)
        }
        let all = reader.diagnostics + profileErrors
        guard let scenario, all.isEmpty else { throw ValidationError(all) }
        return scenario
    }
}

/// Which fault types apply to which targets, and what parameter each type takes.
enum FaultCatalogue {
    static let types: [FaultTarget: [String]] = [
        .encoder: ["offset", "ramp", "drift", "stuck", "gain", "sign_flip", "set", "noise", "spike", "non_finite", "off", "delay", "slow"],
        .potentiometer: ["offset", "ramp", "drift", "stuck", "gain", "set", "noise", "spike", "non_finite", "off", "delay", "slow"],
        .currentSensor: ["offset", "ramp", "drift", "stuck", "gain", "set", "noise", "spike", "off", "delay", "slow"],
        .temperatureSensor: ["offset", "ramp", "drift", "stuck", "set", "noise", "off", "delay", "slow"],
        .power: ["set"],
        .emergencyStop: ["asserted"],
        .brake: ["slip"],
        .command: ["offset", "ramp", "drift", "stuck", "gain", "set", "spike", "non_finite", "delay", "replay"],
        .commandCurrent: ["offset", "stuck", "gain", "set"],
        .operator: ["spike", "offset", "non_finite", "dropout"],
        .sensorFrame: ["stuck"],
        .loopTiming: ["overrun", "stall"],
        .monitorPotentiometer: ["stuck", "offset", "ramp", "drift", "gain", "set", "off"],
        .bus: ["drop", "corrupt", "delay"],
        .remoteCenter: ["offset"],
        .amplifier: ["gain", "off", "set"],
    ]

    /// Targets whose faults act on one joint (or all when `joint` is omitted).
    static let perJoint: Set<FaultTarget> = [
        .amplifier, .encoder, .potentiometer, .currentSensor, .temperatureSensor, .brake, .command, .commandCurrent, .monitorPotentiometer,
    ]
}

struct ScenarioDecoding {
    let reader: YAMLReader
    let path: String
    var profiles: ProfileCache? = nil

    func decode(_ root: Node, loadedProfile: inout HardwareProfile?, profileErrors: inout [Diagnostic]) -> Scenario? {
        guard let top = MappingReader(reader, Field(node: root, path: "")) else { return nil }
        if let f = top.required("format", "write 'format: \(ScenarioLoader.format)'"), let value = reader.string(f),
            value != ScenarioLoader.format
        {
            reader.report(f, "unsupported format '\(value)'; this Vigil reads '\(ScenarioLoader.format)'")
        }
        let name = top.required("name").flatMap { reader.string($0) }
        let description = top.required("description").flatMap { reader.string($0) }
        let hazards = top.required("hazards", "hazard ids, e.g. [H07]").flatMap { hazardList($0) }
        let profileField = top.required("profile", "path of the hardware profile, relative to this file")
        let seed = top.required("seed").flatMap { f -> UInt64? in
            guard let text = reader.scalar(f), let v = UInt64(text) else {
                reader.report(f, "expected a whole number ≥ 0")
                return nil
            }
            return v
        }
        let durationField = top.required("duration")
        let initialField = top.optional("initial_joints")
        let timelineField = top.required("timeline", "the commands, each with 'at' and 'command'")
        let faultsField = top.optional("faults")
        let expectField = top.required("expect", "what the run must show")
        top.rejectUnknownKeys()

        // The profile gives the joints, units and rate everything else is read against.
        guard let profileField, let reference = reader.string(profileField) else { return nil }
        let resolved = resolve(reference)
        do {
            if let profiles {
                loadedProfile = try profiles.load(path: resolved)
            } else {
                loadedProfile = try ProfileLoader.load(path: resolved)
            }
        } catch {
            if error.diagnostics.count == 1 && error.diagnostics[0].message == "no such file" {
                reader.report(profileField, "no profile at '\(reference)': there is no file \(resolved) (paths are relative to the scenario file)")
            } else {
                reader.report(profileField, "the profile '\(resolved)' is not valid (its problems follow)")
                profileErrors = error.diagnostics
            }
            return nil
        }
        guard let profile = loadedProfile else { return nil }
        var helper = ProfileDecoding(reader: reader, path: path)
        helper.thresholdHints = false
        var duration = durationField.flatMap { helper.ticks($0, rate: profile.rate) }.map(Int64.init)
        let longest = Scenario.maximumDurationTicks(rate: profile.rate)
        if let ticks = duration, let field = durationField, ticks > longest {
            // A run is held in memory (its trace) and, on hardware, paced in real time: a day
            // is the most that makes sense, and a typo of a unit must not start a run that
            // never ends.
            reader.report(field, "\(field.text) is too long for a run: at most 24 h (\(longest) ticks at \(formatRate(profile.rate)))")
            duration = nil
        }

        var initial = profile.kinematics.clamped(JointVector(count: profile.jointCount))
        for j in profile.chainJointCount..<profile.jointCount {
            initial[j] = min(max(0, profile.joints[j].lower), profile.joints[j].upper)
        }
        var initialOK = true
        if let initialField {
            if let q = jointValues(initialField, profile: profile, helper: helper, quantity: .position) {
                for j in 0..<q.count where q[j] < profile.joints[j].lower || q[j] > profile.joints[j].upper {
                    reader.report(initialField.element(j, initialField.node), "\(profile.joints[j].name) starts outside its limits")
                    initialOK = false
                }
                for j in 0..<q.count { initial[j] = q[j] }
            } else {
                initialOK = false
            }
        }

        let timeline = timelineField.flatMap { self.timeline($0, profile: profile, helper: helper, duration: duration) }
        var faults: [Fault] = []
        var faultTexts: [String] = []
        var faultsOK = true
        if let faultsField, let elements = reader.sequence(faultsField) {
            for element in elements {
                if let (fault, text) = fault(element, profile: profile, helper: helper, duration: duration) {
                    faults.append(fault)
                    faultTexts.append(text)
                } else {
                    faultsOK = false
                }
            }
        } else if faultsField != nil {
            faultsOK = false
        }
        let expectations = expectField.flatMap { self.expectations($0, profile: profile, helper: helper, hasFaults: faultsField != nil) }

        guard let name, let description, let hazards, let seed, let duration, let timeline, let expectations, initialOK,
            faultsOK
        else { return nil }
        var scenario = Scenario(
            path: path, name: name, description: description, hazards: hazards, profileReference: reference,
            profilePath: resolved, profile: profile, seed: seed, durationTicks: duration, initialJoints: initial,
            timeline: timeline, faults: faults, faultTexts: faultTexts, expectations: expectations)
        scenario.initialJointsGiven = initialField != nil
        return scenario
    }

    /// `reference` relative to the scenario's folder, with `.` and `..` resolved.
    func resolve(_ reference: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let joined = reference.hasPrefix("/") || folder.isEmpty ? reference : (folder as NSString).appendingPathComponent(reference)
        var parts: [String] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        let result = parts.joined(separator: "/")
        return joined.hasPrefix("/") ? "/" + result : (result.isEmpty ? "." : result)
    }

    func hazardList(_ field: Field) -> [String]? {
        guard let elements = reader.sequence(field) else { return nil }
        var ids: [String] = []
        for element in elements {
            guard let id = reader.string(element) else { return nil }
            guard id.count == 3, id.hasPrefix("H"), let n = Int(id.dropFirst()), (1...22).contains(n) else {
                reader.report(element, "'\(id)' is not a hazard id (H01…H22, see HAZARDS.md)")
                return nil
            }
            guard !ids.contains(id) else {
                reader.report(element, "\(id) is listed twice")
                return nil
            }
            ids.append(id)
        }
        if ids.isEmpty {
            reader.report(field, "name at least one hazard")
            return nil
        }
        return ids
    }

    func jointValues(_ field: Field, profile: HardwareProfile, helper: ProfileDecoding, quantity: JointQuantity) -> JointVector? {
        let names = profile.joints.map(\.name).joined(separator: ", ")
        guard let elements = reader.sequence(field) else { return nil }
        guard elements.count == profile.jointCount || elements.count == profile.chainJointCount else {
            reader.report(field, "expected \(profile.jointCount) values, one per joint (\(names)), got \(elements.count)")
            return nil
        }
        // Chain-only values leave the other joints (e.g. the PSM jaw) where they are.
        var q = JointVector(count: elements.count)
        var ok = true
        for (j, element) in elements.enumerated() {
            if let v = reader.quantity(element, quantity.dimension(profile.joints[j].kind)) { q[j] = v } else { ok = false }
        }
        return ok ? q : nil
    }

    func timeline(_ field: Field, profile: HardwareProfile, helper: ProfileDecoding, duration: Int64?) -> [Scenario.TimedCommand]? {
        guard let elements = reader.sequence(field) else { return nil }
        var result: [Scenario.TimedCommand] = []
        var ok = true
        var previous: Int64 = 0
        for element in elements {
            guard let m = MappingReader(reader, element) else {
                ok = false
                continue
            }
            let atField = m.required("at")
            let at = atField.flatMap { helper.instant($0, rate: profile.rate) }
            let commandField = m.required("command", "enable, disable, home, pause, resume, reset, move_jp, move_cp, servo_jp or servo_cp")
            var command: LoopCommand?
            var text = ""
            if let commandField, let name = reader.string(commandField) {
                text = name
                switch name {
                case "enable": command = .enable
                case "disable": command = .disable
                case "home": command = .home
                case "pause": command = .pause
                case "resume": command = .resume
                case "reset": command = .reset
                case "move_jp":
                    if let g = m.required("goal", "joint positions, one per joint").flatMap({ jointValues($0, profile: profile, helper: helper, quantity: .position) }) {
                        command = .moveJoints(g)
                        text += " " + g.description
                    }
                case "move_cp":
                    if let p = m.required("position", "[x, y, z] of the tool tip in the base frame").flatMap({ helper.vector($0) }) {
                        command = .moveCartesian(p)
                        text += " [\(p.x), \(p.y), \(p.z)]"
                    }
                case "servo_jp":
                    let joint = m.required("joint").flatMap { helper.jointIndex($0, profile.joints) }
                    let amplitude = joint.flatMap { j in
                        m.required("amplitude").flatMap { helper.positive($0, JointQuantity.position.dimension(profile.joints[j].kind)) }
                    }
                    let period = m.required("period").flatMap { helper.positive($0, .time) }
                    if let joint, let amplitude, let period {
                        command = .servoJointSine(joint: joint, amplitude: amplitude, period: period)
                        text += " \(profile.joints[joint].name) ±\(amplitude) period \(period) s"
                    }
                case "servo_cp":
                    let radius = m.required("radius", "of the operator's circle").flatMap { helper.positive($0, .length) }
                    let period = m.required("period").flatMap { helper.positive($0, .time) }
                    if let radius, let period {
                        command = .teleoperateCircle(radius: radius, period: period)
                        text += " circle r \(radius) m period \(period) s"
                    }
                default:
                    var message = "'\(name)' is not a command (enable, disable, home, pause, resume, reset, move_jp, move_cp, servo_jp, servo_cp)"
                    if let s = closest(name, in: ["enable", "disable", "home", "pause", "resume", "reset", "move_jp", "move_cp", "servo_jp", "servo_cp"]) {
                        message += "; did you mean '\(s)'?"
                    }
                    reader.report(commandField, message)
                }
            }
            m.rejectUnknownKeys()
            guard let at, let command else {
                ok = false
                continue
            }
            if at < previous, let atField {
                reader.report(atField, "the timeline must be in time order")
                ok = false
            }
            if let duration, at >= duration, let atField {
                reader.report(atField, "is at or after the end of the run")
                ok = false
            }
            previous = at
            result.append(.init(tick: at, command: command, text: text))
        }
        return ok ? result : nil
    }

    func fault(_ field: Field, profile: HardwareProfile, helper: ProfileDecoding, duration: Int64?) -> (Fault, String)? {
        guard let m = MappingReader(reader, field) else { return nil }
        let targetField = m.required("target")
        let target = targetField.flatMap { reader.choice($0, FaultTarget.self) }
        let typeField = m.required("type")
        let typeName = typeField.flatMap { reader.string($0) }
        let onset = m.required("onset").flatMap { helper.instant($0, rate: profile.rate) }
        let durationTicks = m.optional("duration").flatMap { helper.ticks($0, rate: profile.rate) }.map(Int64.init)
        let durationGiven = m.contains("duration")
        var probability = 1.0
        var probabilityOK = true
        if let f = m.optional("probability") {
            let p = reader.number(f)  // reports a value that is not a finite number, once
            if let p, p > 0, p <= 1 {
                probability = p
            } else {
                if p != nil { reader.report(f, "an intermittent fault's probability is above 0 and at most 1") }
                probabilityOK = false
            }
        }
        var joint: Int?
        var jointOK = true
        if let jointField = m.optional("joint") {
            if let target, !FaultCatalogue.perJoint.contains(target) {
                reader.report(jointField, "target '\(target.rawValue)' is not per joint")
                jointOK = false
            } else if let j = helper.jointIndex(jointField, profile.joints) {
                joint = j
            } else {
                jointOK = false
            }
        }
        var kind: FaultKind?
        var distribution: ParameterDistribution?
        // Where the parameter cannot be read (no target or type, or a type the target does not
        // take; a joint whose own error is reported, so its unit is unknown), its key is taken
        // without a second error.
        func skipParameter() { for key in Self.parameterKeys { _ = m.optional(key) } }
        if let target, let typeName, let typeField {
            let allowed = FaultCatalogue.types[target] ?? []
            if !allowed.contains(typeName) {
                var message = "type '\(typeName)' does not apply to target '\(target.rawValue)' (it takes: \(allowed.joined(separator: ", ")))"
                if let s = closest(typeName, in: allowed), s != typeName { message += "; did you mean '\(s)'?" }
                reader.report(typeField, message)
                skipParameter()
            } else if !jointOK {
                skipParameter()
            } else {
                (kind, distribution) = parameters(typeName, target: target, joint: joint, m: m, profile: profile, helper: helper)
            }
        } else {
            skipParameter()
        }
        m.rejectUnknownKeys()
        if kind == .stall, probability < 1, let f = m.optional("probability") {
            reader.report(f, "a stall freezes the host for its whole window; it cannot be intermittent (give a shorter 'duration' instead)")
            probabilityOK = false
        }
        guard let target, let kind, let onset, jointOK, probabilityOK, !durationGiven || durationTicks != nil else { return nil }
        if let duration, onset >= duration, let f = m.optional("onset") {
            reader.report(f, "is at or after the end of the run")
            return nil
        }
        if case let .replay(age) = kind, Int64(age) > onset, let f = m.optional("by") {
            reader.report(f, "\(f.text) reaches back before the run: the fault starts at tick \(onset), so a replayed command is at most \(onset) ticks old")
            return nil
        }
        let end = durationTicks.map { onset + $0 }
        let jointText = joint.map { " on \(profile.joints[$0].name)" } ?? ""
        let window = end.map { "ticks \(onset)..<\($0)" } ?? "from tick \(onset)"
        var parameter = Self.parameterKeys.compactMap { key in
            m.optional(key).map { field -> String in
                if case .mapping = field.node { return "\(key) drawn per run" }
                return "\(key) \(field.text)"
            }
        }.first.map { " (\($0))" } ?? ""
        if probability < 1 { parameter += " intermittent p=\(probability)" }
        return (
            Fault(target: target, kind: kind, joint: joint, onset: onset, end: end, probability: probability, distribution: distribution),
            "\(target.rawValue) \(kind.name)\(parameter)\(jointText), \(window)"
        )
    }

    /// The keys a fault's parameter is written under (one per type).
    static let parameterKeys = ["magnitude", "rate", "factor", "value", "sigma", "holding", "by", "every"]

    /// Why `e` cannot hold together with one of `earlier`, or nil: a check that must trip and
    /// must not (or no check may trip at all), or two different final states or most severe
    /// responses.
    func contradiction(_ e: Expectation, _ earlier: [Expectation]) -> String? {
        for other in earlier {
            switch (e, other) {
            case let (.trips(check, _, _), .noTrip(quiet)), let (.noTrip(quiet), .trips(check, _, _)):
                if quiet == nil || quiet == check {
                    return "contradicts an earlier expectation: '\(check.name)' must trip, and \(quiet == nil ? "no check may trip" : "must not trip"); the run could never pass"
                }
            case let (.finalState(a), .finalState(b)) where a != b:
                return "contradicts an earlier expectation: the final state cannot be both \(b.rawValue) and \(a.rawValue)"
            case let (.response(a), .response(b)) where a != b:
                return "contradicts an earlier expectation: the most severe response cannot be both \(b.name) and \(a.name)"
            default:
                continue
            }
        }
        return nil
    }

    /// The type's parameter, in the unit the target needs: a fixed value, or a distribution
    /// drawn per run (`{ uniform: [a, b] }` or `{ normal: { mean: m, sd: s, min: a, max: b } }`).
    func parameters(
        _ type: String, target: FaultTarget, joint: Int?, m: MappingReader, profile: HardwareProfile, helper: ProfileDecoding
    ) -> (FaultKind?, ParameterDistribution?) {
        let kind = joint.map { profile.joints[$0].kind }
        // The dimension of the target's signal.
        func signal() -> PhysicalDimension? {
            switch target {
            case .encoder, .potentiometer, .command, .monitorPotentiometer:
                guard let kind else {
                    let anyField = m.optional("magnitude") ?? m.optional("value") ?? m.optional("sigma") ?? m.optional("rate")
                    if let anyField { reader.report(anyField, "give 'joint': the unit depends on the joint's type") }
                    return nil
                }
                return JointQuantity.position.dimension(kind)
            case .currentSensor, .commandCurrent, .amplifier: return .current
            case .temperatureSensor: return .temperature
            case .power: return .voltage
            case .operator, .remoteCenter: return .length
            default: return nil
            }
        }
        /// A value read by `one`, or a distribution of such values.
        func value(_ key: String, _ hint: String = "", _ one: (Field) -> Double?) -> (Double, ParameterDistribution?)? {
            guard let f = m.required(key, hint) else { return nil }
            guard case .mapping = f.node else { return one(f).map { ($0, nil) } }
            guard let dm = MappingReader(reader, f) else { return nil }
            let uniformField = dm.optional("uniform"), normalField = dm.optional("normal")
            dm.rejectUnknownKeys()
            if let uniformField, let ends = reader.sequence(uniformField, count: 2, what: "ends [low, high]") {
                guard let a = one(ends[0]), let b = one(ends[1]) else { return nil }
                guard a <= b else {
                    reader.report(uniformField, "the low end must not be above the high end")
                    return nil
                }
                return ((a + b) / 2, .uniform(a, b))
            }
            if let normalField, let nm = MappingReader(reader, normalField) {
                let mean = nm.required("mean").flatMap(one)
                let sd = nm.required("sd").flatMap(one)
                let lo = nm.required("min", "the draw is clamped to [min, max]").flatMap(one)
                let hi = nm.required("max").flatMap(one)
                nm.rejectUnknownKeys()
                guard let mean, let sd, let lo, let hi else { return nil }
                var problems: [String] = []
                if sd < 0 { problems.append("sd must not be negative") }
                if lo > hi {
                    problems.append("min must not be above max")
                } else if mean < lo || mean > hi {
                    problems.append("mean must lie within [min, max]")
                }
                guard problems.isEmpty else {
                    reader.report(normalField, problems.joined(separator: "; "))
                    return nil
                }
                return (mean, .normal(mean: mean, sd: sd, min: lo, max: hi))
            }
            if uniformField == nil && normalField == nil {
                reader.report(f, "a distribution is { uniform: [low, high] } or { normal: { mean, sd, min, max } }")
            }
            return nil
        }
        func ticks(_ f: Field) -> Double? { helper.ticks(f, rate: profile.rate).map(Double.init) }
        switch type {
        case "offset", "spike":
            guard let d = signal(), let (v, dist) = value("magnitude", "", { reader.quantity($0, d) }) else { return (nil, nil) }
            return (type == "offset" ? .offset(v) : .spike(v), dist)
        case "ramp", "drift":
            guard let d = signal() else { return (nil, nil) }
            let perSecond: (Field) -> Double? = { f in
                guard let text = reader.scalar(f), text.hasSuffix("/s"),
                    case let .success(v) = Quantity.parse(String(text.dropLast(2)), as: d)
                else {
                    reader.report(f, "expected a rate in \(d.expectation) per second, e.g. '2 \(d.units[0].name)/s'")
                    return nil
                }
                return v
            }
            guard let (v, dist) = value("rate", "change per second, e.g. '2 deg/s'", perSecond) else { return (nil, nil) }
            return (.ramp(perSecond: v), dist)
        case "gain":
            guard let (v, dist) = value("factor", "", { reader.number($0) }) else { return (nil, nil) }
            return (.gain(v), dist)
        case "set":
            guard let d = signal(), let (v, dist) = value("value", "", { reader.quantity($0, d) }) else { return (nil, nil) }
            return (.set(v), dist)
        case "noise":
            guard let d = signal(), let (v, dist) = value("sigma", "", { helper.nonNegative($0, d) }) else { return (nil, nil) }
            return (.noise(v), dist)
        case "slip":
            let fraction: (Field) -> Double? = { f in
                guard let v = reader.number(f) else { return nil }
                guard (0...1).contains(v) else {
                    reader.report(f, "must be between 0 and 1")
                    return nil
                }
                return v
            }
            guard let (v, dist) = value("holding", "fraction of the holding torque left, 0…1", fraction) else { return (nil, nil) }
            return (.slip(v), dist)
        case "delay" where target == .bus:
            // A late reply: a round-trip time, finer than a tick.
            guard let (v, dist) = value("by", "the bus cycle's round-trip time, e.g. '950 us'", { helper.positive($0, .time) }) else {
                return (nil, nil)
            }
            return (.late(microseconds: v * 1e6), dist.map { $0.scaled(1e6) })
        case "drop": return (.drop, nil)
        case "corrupt": return (.corrupt, nil)
        case "delay":
            guard let (v, dist) = value("by", "how late the signal is, e.g. '5 ms'", ticks) else { return (nil, nil) }
            return (.delay(ticks: Int(v)), dist)
        case "replay":
            guard let (v, dist) = value("by", "how old the replayed command is, e.g. '20 ms'", ticks) else { return (nil, nil) }
            return (.replay(ticks: Int(v)), dist)
        case "slow":
            guard let (v, dist) = value("every", "how often the signal updates, e.g. '10 ms'", ticks) else { return (nil, nil) }
            return (.slow(every: Int(v)), dist)
        case "stuck": return (.stuck, nil)
        case "sign_flip": return (.signFlip, nil)
        case "non_finite": return (.nonFinite, nil)
        case "off": return (.off, nil)
        case "dropout": return (.dropout, nil)
        case "asserted": return (.asserted, nil)
        case "overrun": return (.overrun, nil)
        case "stall": return (.stall, nil)
        default: return (nil, nil)
        }
    }

    func expectations(_ field: Field, profile: HardwareProfile, helper: ProfileDecoding, hasFaults: Bool) -> [Expectation]? {
        guard let elements = reader.sequence(field) else { return nil }
        var result: [Expectation] = []
        var ok = true
        let checks = CheckID.allCases.map(\.name)
        func check(_ f: Field) -> CheckID? {
            guard let name = reader.string(f) else { return nil }
            if let c = CheckID(name: name) { return c }
            var message = "'\(name)' is not a check (\(checks.joined(separator: ", ")))"
            if let s = closest(name, in: checks) { message += "; did you mean '\(s)'?" }
            reader.report(f, message)
            return nil
        }
        for element in elements {
            guard let m = MappingReader(reader, element) else {
                ok = false
                continue
            }
            var expectation: Expectation?
            let kinds = ["trips", "no_trip", "response", "final_state", "max_excursion", "board_stops"]
            let present = kinds.filter { m.contains($0) }
            if present.count > 1 {
                reader.report(
                    element,
                    "an expectation has exactly one of \(kinds.joined(separator: ", ")); this one has \(present.joined(separator: " and ")): "
                        + "write each as its own item")
                for key in kinds + ["joint", "within"] { _ = m.optional(key) }
                ok = false
                continue
            }
            if present.first != "trips" {
                for key in ["joint", "within"] {
                    if let f = m.optional(key) { reader.report(f, "'\(key)' belongs to a 'trips' expectation only") }
                }
            }
            if let f = m.optional("trips") {
                let c = check(f)
                var joint: Int?
                var jointOK = true
                if let jf = m.optional("joint") {
                    joint = helper.jointIndex(jf, profile.joints)
                    jointOK = joint != nil
                    if let c, !c.isPerJoint {
                        reader.report(jf, "'\(c.name)' is not a per-joint check; remove 'joint'")
                        jointOK = false
                    }
                }
                var within: Int64?
                var withinOK = true
                if let wf = m.optional("within") {
                    within = helper.instant(wf, rate: profile.rate)
                    withinOK = within != nil
                    if withinOK && !hasFaults {
                        reader.report(wf, "'within' counts from the first fault's onset, and this scenario has no faults")
                        withinOK = false
                    }
                }
                if let c, jointOK, withinOK { expectation = .trips(check: c, joint: joint, within: within) }
            } else if let f = m.optional("no_trip") {
                if reader.scalar(f) == "any" {
                    expectation = .noTrip(check: nil)
                } else if let c = check(f) {
                    expectation = .noTrip(check: c)
                }
            } else if let f = m.optional("response") {
                if let r = reader.choice(f, ResponseName.self) { expectation = .response(r.response) }
            } else if let f = m.optional("final_state") {
                if let s = reader.choice(f, OperatingState.self) { expectation = .finalState(s) }
            } else if let f = m.optional("max_excursion") {
                if let v = helper.positive(f, .length) { expectation = .maxExcursion(v) }
            } else if let f = m.optional("board_stops") {
                if let text = reader.scalar(f)?.trimmingCharacters(in: .whitespaces) {
                    if text == "never" {
                        expectation = .boardStops(within: nil)
                    } else if !(text.first?.isNumber ?? false) {
                        reader.report(f, "'\(text)' is not a bound: expected a time from the first fault's onset ('30 ms'), a number of ticks, or 'never'")
                    } else if !hasFaults {
                        reader.report(f, "'board_stops' counts from the first fault's onset, and this scenario has no faults; write 'never' or add the fault")
                    } else if let t = helper.instant(f, rate: profile.rate) {
                        expectation = .boardStops(within: t)
                    }
                }
            } else {
                reader.report(element, "an expectation is one of: trips, no_trip, response, final_state, max_excursion, board_stops")
            }
            m.rejectUnknownKeys()
            if let expectation, let conflict = contradiction(expectation, result) {
                // Such a scenario could never pass: say so now, not after the run.
                reader.report(element, conflict)
                ok = false
            } else if let expectation {
                result.append(expectation)
            } else {
                ok = false
            }
        }
        if ok && result.isEmpty {
            reader.report(field, "a scenario must expect something")
            return nil
        }
        return ok ? result : nil
    }
}

/// Response names as written in scenarios.
enum ResponseName: String, CaseIterable {
    case none, clamp, hold
    case protectiveStop = "protective_stop"
    case powerOff = "power_off"

    var response: Response {
        switch self {
        case .none: return .none
        case .clamp: return .clamp
        case .hold: return .hold
        case .protectiveStop: return .protectiveStop
        case .powerOff: return .powerOff
        }
    }
}

/// Profiles read once per path, for the scenarios of one campaign. Thread-safe.
public final class ProfileCache: Sendable {
    private let profiles = Mutex<[String: Result<HardwareProfile, ValidationError>]>([:])

    public init() {}

    public func load(path: String) throws(ValidationError) -> HardwareProfile {
        if let known = profiles.withLock({ $0[path] }) { return try known.get() }
        let result: Result<HardwareProfile, ValidationError>
        do throws(ValidationError) {
            result = .success(try ProfileLoader.load(path: path))
        } catch {
            result = .failure(error)
        }
        profiles.withLock { $0[path] = result }
        return try result.get()
    }
}

import FaultLog
import Foundation
import SerialBus
import Yams

/// A start-check scenario, for the hazards that are caught before power is applied: H20 (a
/// wrong hardware profile: another robot's, or servos of another model) and H21 (a bad
/// threshold or configuration). Nothing is simulated; the evidence is that Vigil refuses to
/// start, and which problems it names.
public struct StartCheckScenario: Sendable {
    public enum Refusal: String, Sendable, CaseIterable {
        /// The profile fails validation (H21).
        case invalidProfile = "invalid_profile"
        /// The attached hardware is not the hardware the profile describes (H20).
        case hardwareMismatch = "hardware_mismatch"
    }

    public var path: String
    public var name: String
    public var description: String
    public var hazards: [String]
    public var seed: UInt64
    /// The profile path as written, and as resolved from the scenario's folder.
    public var profileReference: String
    public var profilePath: String
    /// The arm attached to the simulator, as a (valid) profile; nil: the one `profile` describes.
    public var hardwarePath: String?
    /// Servo id → the model number that servo reports, where it differs from `hardwarePath`'s.
    public var servoModels: [Int: Int]
    /// Servo id → the firmware version it reports instead of its profile's (or the virtual boards').
    public var servoFirmware: [Int: Int] = [:]
    /// The refusal the start must meet; nil: the start must be accepted (a twin).
    public var expected: Refusal?
    /// Fields (dotted paths, as in diagnostics) the refusal must name.
    public var naming: [String]
}

/// A scenario file of either kind.
public enum ScenarioFile: Sendable {
    case run(Scenario)
    case startCheck(StartCheckScenario)

    public var seed: UInt64 {
        switch self {
        case let .run(s): return s.seed
        case let .startCheck(s): return s.seed
        }
    }
}

extension ScenarioLoader {
    /// Loads a scenario file of either kind. A file whose expectations include `start_refused`
    /// is a start check; any other is a run.
    public static func loadAny(path: String, profiles: ProfileCache? = nil) throws(ValidationError) -> ScenarioFile {
        let text = try readInputFile(path)
        let reader = YAMLReader(file: path)
        guard let root = reader.compose(text) else { throw ValidationError(reader.diagnostics) }
        if let format = root.mapping?.first(where: { $0.key.string == "format" }), format.value.string?.hasPrefix("vigil-profile/") == true {
            let line = format.key.mark.map { $0.line } ?? 1
            throw ValidationError([Diagnostic(
                location: FileLocation(file: path, line: line, column: 1), field: "format",
                message: "this is a hardware profile, not a scenario: run a scenario that names it, or check it with 'vigil profile check'")])
        }
        guard isStartCheck(root) else { return .run(try decode(root: root, reader: reader, path: path, profiles: profiles)) }
        let check = StartCheckDecoding(reader: reader, path: path).decode(root)
        guard let check, !reader.hasErrors else { throw ValidationError(reader.diagnostics) }
        return .startCheck(check)
    }

    static func isStartCheck(_ root: Node) -> Bool {
        func value(_ node: Node, _ key: String) -> Node? { node.mapping?.first { $0.key.string == key }?.value }
        guard let expect = value(root, "expect")?.sequence else { return false }
        return expect.contains { value($0, "start_refused") != nil }
    }
}

struct StartCheckDecoding {
    let reader: YAMLReader
    let path: String

    func decode(_ root: Node) -> StartCheckScenario? {
        guard let top = MappingReader(reader, Field(node: root, path: "")) else { return nil }
        if let f = top.required("format"), let value = reader.string(f), value != ScenarioLoader.format {
            reader.report(f, "unsupported format '\(value)'; this Vigil reads '\(ScenarioLoader.format)'")
        }
        let scenarioDecoding = ScenarioDecoding(reader: reader, path: path)
        let name = top.required("name").flatMap { reader.string($0) }
        let description = top.required("description").flatMap { reader.string($0) }
        let hazards = top.required("hazards", "hazard ids, e.g. [H21]").flatMap { scenarioDecoding.hazardList($0) }
        let seed = top.required("seed").flatMap { f -> UInt64? in
            guard let text = reader.scalar(f), let v = UInt64(text) else {
                reader.report(f, "expected a whole number ≥ 0")
                return nil
            }
            return v
        }
        let profileField = top.required("profile", "path of the hardware profile, relative to this file")
        let hardwareField = top.optional("hardware")
        let expectField = top.required("expect")
        for key in ["duration", "initial_joints", "timeline", "faults"] where top.contains(key) {
            if let f = top.optional(key) { reader.report(f, "a start check does not run, so it has no '\(key)'; remove it") }
        }
        top.rejectUnknownKeys()

        let reference = profileField.flatMap { reader.string($0) }
        let profilePath = reference.map { scenarioDecoding.resolve($0) }
        if let profileField, let reference, let profilePath, !FileManager.default.fileExists(atPath: profilePath) {
            reader.report(profileField, "no profile at '\(reference)': there is no file \(profilePath) (paths are relative to the scenario file)")
        }

        var hardwarePath: String?
        var servoModels: [Int: Int] = [:]
        var servoFirmware: [Int: Int] = [:]
        var attachedIDs: Set<Int>?
        if let hardwareField, let m = MappingReader(reader, hardwareField) {
            if let f = m.required("profile", "the profile of the arm that is attached"), let ref = reader.string(f) {
                let resolved = scenarioDecoding.resolve(ref)
                do {
                    let attached = try ProfileLoader.load(path: resolved)
                    attachedIDs = Set(attached.bus?.servos.map(\.id) ?? [])
                    hardwarePath = resolved
                } catch {
                    reader.report(f, "the attached arm's profile '\(resolved)' must itself be valid: \(error.diagnostics.first?.description ?? "")")
                }
            }
            // servo id → a value that servo reports instead of its profile's.
            func overrides(_ key: String, _ range: ClosedRange<Int>) -> [Int: Int] {
                guard let f = m.optional(key), let entries = MappingReader(reader, f) else { return [:] }
                var values: [Int: Int] = [:]
                for key in entries.keys {
                    guard let vf = entries.optional(key) else { continue }
                    guard let id = Int(key), (0...252).contains(id) else {
                        reader.report(vf, "'\(key)' is not a servo id (0…252)")
                        continue
                    }
                    if let attachedIDs, !attachedIDs.contains(id) {
                        reader.report(vf, "servo id \(id) is not on the attached arm's bus (ids \(attachedIDs.sorted().map(String.init).joined(separator: ", ")))")
                        continue
                    }
                    if let value = reader.integer(vf, in: range) { values[id] = value }
                }
                return values
            }
            servoModels = overrides("servo_models", 0...65535)
            servoFirmware = overrides("servo_firmware", 0...255)
            m.rejectUnknownKeys()
        }

        var expected: StartCheckScenario.Refusal??
        var naming: [String] = []
        if let expectField, let elements = reader.sequence(expectField) {
            if elements.count != 1 { reader.report(expectField, "a start check expects exactly one thing: start_refused") }
            for element in elements {
                guard let m = MappingReader(reader, element) else { continue }
                if let f = m.required("start_refused", "invalid_profile, hardware_mismatch, or none for a twin that must start") {
                    expected = reader.scalar(f) == "none" ? .some(nil) : reader.choice(f, StartCheckScenario.Refusal.self).map { .some($0) }
                }
                if let f = m.optional("naming"), let names = reader.sequence(f) {
                    naming = names.compactMap { reader.string($0) }
                    if expected != .some(.invalidProfile) { reader.report(f, "'naming' lists profile fields, for invalid_profile") }
                }
                m.rejectUnknownKeys()
            }
        }
        if expected != .some(.invalidProfile) && hardwareField == nil, let expectField {
            reader.report(expectField, "a start check of the attached hardware needs a 'hardware' section: the arm that is attached")
        }
        guard let name, let description, let hazards, let seed, let reference, let profilePath, let expected else { return nil }
        var check = StartCheckScenario(
            path: path, name: name, description: description, hazards: hazards, seed: seed, profileReference: reference,
            profilePath: profilePath, hardwarePath: hardwarePath, servoModels: servoModels, expected: expected, naming: naming)
        check.servoFirmware = servoFirmware
        return check
    }
}

extension HardwareProfile {
    /// What differs between this profile and the arm that is attached (`attached`, with
    /// `servoModels` and `servoFirmware` overriding what its servos report). Empty when they
    /// match. The robot and its joints (what a start check knows of the attached arm), then
    /// the serial backend's start-up rules (H20): every listed servo answers with the model,
    /// and the firmware version where this profile names one (an attached servo whose profile
    /// names none reports the virtual boards' version), and no servo the profile does not list
    /// answers (another arm on the bus).
    public func hardwareMismatches(attached: HardwareProfile, servoModels: [Int: Int] = [:], servoFirmware: [Int: Int] = [:]) -> [String] {
        var problems: [String] = []
        if attached.id != id {
            problems.append("the attached arm is '\(attached.id)' (\(attached.name)), but the profile is for '\(id)' (\(name))")
        }
        let names = joints.map(\.name)
        let attachedNames = attached.joints.map(\.name)
        if names != attachedNames {
            problems.append("the attached arm's joints are [\(attachedNames.joined(separator: ", "))], but the profile's are [\(names.joined(separator: ", "))]")
        }
        if let bus {
            let reported = Dictionary(uniqueKeysWithValues: (attached.bus?.servos ?? []).map { ($0.id, servoModels[$0.id] ?? $0.modelNumber) })
            for servo in bus.servos {
                guard let model = reported[servo.id] else {
                    problems.append("servo id \(servo.id) does not answer")
                    continue
                }
                if model != servo.modelNumber {
                    problems.append(Dynamixel.modelMismatch(id: Int(servo.id), reported: model, expected: Int(servo.modelNumber)))
                }
                if let expected = servo.firmware {
                    let attachedServo = attached.bus?.servos.first { $0.id == servo.id }
                    let version = servoFirmware[servo.id] ?? attachedServo?.firmware ?? Int(Dynamixel.emulatedFirmware)
                    if version != expected {
                        problems.append(Dynamixel.firmwareMismatch(id: servo.id, reported: version, expected: expected))
                    }
                }
            }
            let listed = bus.servos.map(\.id)
            let unlisted = reported.keys.filter { !listed.contains($0) }.sorted()
            if !unlisted.isEmpty { problems.append(Dynamixel.unlistedServos(unlisted, listed: listed)) }
        }
        return problems
    }
}

/// Runs start checks: tries to start as `vigil run` would and logs the refusal, or its absence.
public enum StartCheckRunner {
    public struct Outcome: Sendable {
        /// nil: nothing refused the start.
        public var refusal: StartCheckScenario.Refusal?
        /// The problems named, one line each.
        public var problems: [String]
        public var expectations: [ExpectationResult]
        public var logPath: String
        public var finalHash: String
        public var passed: Bool { expectations.allSatisfy(\.passed) }
    }

    public static func run(_ check: StartCheckScenario, seed: UInt64, logPath: String, metadata: RunMetadata) throws -> Outcome {
        let log = try FaultLogWriter(path: logPath)
        var header = try ScenarioRunner.provenance(path: check.path, name: check.name, hazards: check.hazards, metadata: metadata)
        // The profile, read once: its id for the header when it is valid, its problems if not.
        let loaded = Result { () throws(ValidationError) in try ProfileLoader.load(path: check.profilePath) }
        var profile = JSONRecord.object()
        profile.add("path", check.profilePath)
        profile.add("sha256", try FaultLogWriter.fileHash(check.profilePath))
        if case let .success(valid) = loaded { profile.add("id", valid.id) }
        header.add("profile", profile)
        if let hardwarePath = check.hardwarePath {
            var hardware = JSONRecord.object()
            hardware.add("path", hardwarePath)
            hardware.add("sha256", try FaultLogWriter.fileHash(hardwarePath))
            if !check.servoModels.isEmpty {
                hardware.add("servo_models", check.servoModels.keys.sorted().map { "id \($0): \(check.servoModels[$0]!)" })
            }
            if !check.servoFirmware.isEmpty {
                hardware.add("servo_firmware", check.servoFirmware.keys.sorted().map { "id \($0): \(check.servoFirmware[$0]!)" })
            }
            header.add("hardware", hardware)
        }
        header.add("seed", seed)
        header.add("backend", metadata.backend)
        header.add("start_check", true)
        let expectation = describe(check)
        header.add("expectations", [expectation])
        try log.append(header)

        var refusal: StartCheckScenario.Refusal?
        var problems: [String] = []
        var fields: [String] = []
        // The attached arm's profile was validated with the scenario; a problem with it now is
        // an error of the run, not a refusal.
        let attached = try check.hardwarePath.map { path throws(ValidationError) in try ProfileLoader.load(path: path) }
        switch loaded {
        case let .success(valid):
            if let attached {
                problems = valid.hardwareMismatches(attached: attached, servoModels: check.servoModels, servoFirmware: check.servoFirmware)
                if !problems.isEmpty { refusal = .hardwareMismatch }
            }
        case let .failure(error):
            refusal = .invalidProfile
            problems = error.diagnostics.map(\.description)
            fields = error.diagnostics.map(\.field)
        }

        try log.append(
            ScenarioRunner.startRecord(refusal: refusal.map { ($0.rawValue, [$0 == .invalidProfile ? "H21" : "H20"]) }, problems: problems))

        var results: [ExpectationResult] = []
        let count = "\(problems.count) problem\(problems.count == 1 ? "" : "s")"
        switch (refusal, check.expected) {
        case (nil, nil):
            results.append(ExpectationResult(expectation: expectation, passed: true, figure: "started: the profile is valid and matches the hardware"))
        case let (got?, wanted?) where got == wanted:
            results.append(ExpectationResult(expectation: expectation, passed: true, figure: "refused (\(got.rawValue)): \(count), first: \(problems.first ?? "")"))
        case (nil, _?):
            results.append(ExpectationResult(expectation: expectation, passed: false, figure: "the start was not refused"))
        case let (got?, _):
            results.append(ExpectationResult(expectation: expectation, passed: false, figure: "refused (\(got.rawValue)): \(count), first: \(problems.first ?? "")"))
        }
        for field in check.naming {
            let named = fields.contains { $0 == field || $0.hasPrefix(field + ".") || $0.hasPrefix(field + "[") }
            results.append(ExpectationResult(
                expectation: "the refusal names \(field)", passed: named,
                figure: named ? "named" : "not named (named: \(fields.isEmpty ? "nothing" : fields.joined(separator: ", ")))"))
        }

        try log.append(ScenarioRunner.startSummary(results))
        try log.sync()
        return Outcome(refusal: refusal, problems: problems, expectations: results, logPath: logPath, finalHash: log.lastHash)
    }

    static func describe(_ check: StartCheckScenario) -> String {
        switch check.expected {
        case .invalidProfile?: return "the start is refused: the profile is invalid (H21)"
        case .hardwareMismatch?: return "the start is refused: the attached hardware does not match the profile (H20)"
        case nil: return "the start is accepted: the profile is valid and matches the attached hardware"
        }
    }
}

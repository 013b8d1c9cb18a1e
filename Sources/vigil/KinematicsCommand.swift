import ArgumentParser
import Foundation
import Kinematics
import MotionTypes
import Scenarios

struct KinematicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinematics",
        abstract: "Forward and inverse kinematics of a profile's arm.",
        subcommands: [Forward.self, Inverse.self]
    )

    struct Forward: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fk",
            abstract: "The tool-tip pose in the base frame (for the PSM: the RCM frame).",
            discussion: """
                Joint values are SI (rad for revolute, m for prismatic joints) unless a unit is \
                given, e.g. --joints "0,0,120 mm,0,0,0" or --joints "10deg,-5deg,0.12,0,0,0". \
                Give one value per chain joint, or one per joint of the arm (extra joints such as \
                the PSM jaw do not move the tip).
                """
        )

        @Option(help: "Hardware profile (YAML).")
        var profile: String

        @Option(parsing: .unconditional, help: "Comma-separated joint values, in profile order.")
        var joints: String

        @Flag(help: "Print one JSON object with the key \"pose\" (4 rows of 4 numbers).")
        var json = false

        func run() throws {
            let profile = try loadProfile(self.profile)
            let q = try parseJoints(joints, profile: profile, option: "--joints")
            var scratch = KinematicScratch()
            let pose = profile.kinematics.forward(q, scratch: &scratch)
            let rcm = profile.kinematics.remoteCenterGeometry(q, scratch: &scratch)
            if json {
                var object: [String: Any] = [
                    "pose": pose.matrixRows,
                    "position": [pose.translation.x, pose.translation.y, pose.translation.z],
                    "joints": Array(q),
                ]
                if let rcm {
                    object["remote_center"] = [
                        "shaft_distance": rcm.shaftDistance, "insertion_depth": rcm.insertionDepth,
                        "tip_distance": rcm.tipDistance,
                    ]
                }
                try printJSON(object)
                return
            }
            print("Tool-tip pose in the base frame of \(profile.id):")
            for row in pose.matrixRows {
                print(row.map { String(format: "%11.6f", shown($0)) }.joined(separator: " "))
            }
            let t = pose.translation
            print(String(format: "tip position: x %.4f mm, y %.4f mm, z %.4f mm", shown(t.x * 1000), shown(t.y * 1000), shown(t.z * 1000)))
            if let rcm {
                print(
                    String(
                        format: "remote centre: shaft %.4f mm from the RCM, insertion depth %.4f mm, tip %.4f mm from the RCM",
                        shown(rcm.shaftDistance * 1000), shown(rcm.insertionDepth * 1000), shown(rcm.tipDistance * 1000)))
            }
        }
    }

    struct Inverse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ik",
            abstract: "Joint values that put the tool tip at a position, within the joint limits.",
            discussion: """
                The position is in the base frame, metres unless a unit is given \
                (--position "10 mm,5 mm,-110 mm"). The tool orientation is free. Damped least \
                squares from the seed (default: each joint at 0, clamped into its limits), with \
                deterministic restarts. Exits 1 when the position cannot be reached within the limits.
                """
        )

        @Option(help: "Hardware profile (YAML).")
        var profile: String

        @Option(parsing: .unconditional, help: "Target tip position x,y,z.")
        var position: String

        @Option(parsing: .unconditional, help: "Comma-separated starting joint values, in profile order.")
        var seedJoints: String?

        @Option(parsing: .unconditional, help: "Accepted distance from the target, metres.")
        var tolerance: Double = 1e-9

        @Flag(help: "Print one JSON object with the key \"joints\" (values in profile order).")
        var json = false

        func run() throws {
            let profile = try loadProfile(self.profile)
            let target = try parsePosition(position)
            var seed = JointVector(count: profile.jointCount)
            if let seedJoints {
                let given = try parseJoints(seedJoints, profile: profile, option: "--seed-joints")
                for i in given.indices { seed[i] = given[i] }
            }
            for i in profile.joints.indices {
                seed[i] = min(max(seed[i], profile.joints[i].lower), profile.joints[i].upper)
            }
            guard tolerance > 0, tolerance.isFinite else {
                throw VigilExit.invalid("error: --tolerance must be a positive number of metres")
            }
            var options = IKOptions()
            options.positionTolerance = tolerance
            var scratch = KinematicScratch()
            let solution = profile.kinematics.inverse(position: target, seed: seed, scratch: &scratch, options: options)
            guard solution.converged else {
                let millimetres = solution.positionError * 1000
                var message = String(
                    format: "error: (%.6g, %.6g, %.6g) m is not reachable within the joint limits of %@; the closest tip found is %.4f mm away",
                    target.x, target.y, target.z, profile.id, millimetres)
                let resolution = 64 * Swift.max(target.norm, 1e-3).ulp
                if solution.positionError <= resolution && tolerance < resolution {
                    // Reached as closely as double precision resolves, but the tolerance asks
                    // for less than that.
                    message = String(
                        format: "error: the closest tip found is %.3g m from (%.6g, %.6g, %.6g) m, more than --tolerance %g m, which is finer than double precision resolves there; give a larger --tolerance",
                        solution.positionError, target.x, target.y, target.z, tolerance)
                }
                throw VigilExit(code: VigilExit.failure, message: message)
            }
            if json {
                try printJSON([
                    "joints": Array(solution.joints), "position_error": solution.positionError,
                    "iterations": solution.iterations,
                ])
                return
            }
            print("Joint values reaching the target (within \(tolerance) m; residual \(String(format: "%.3g", solution.positionError)) m):")
            for (i, joint) in profile.joints.enumerated() {
                let v = shown(solution.joints[i])
                let shown =
                    joint.kind == .revolute
                    ? String(format: "%12.8f rad  (%9.4f deg)", v, v * 180 / .pi)
                    : String(format: "%12.8f m    (%9.4f mm)", v, v * 1000)
                let note = i >= profile.chainJointCount ? "  (not in the chain: seed value)" : ""
                print("  \(joint.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(shown)\(note)")
            }
        }
    }
}

func loadProfile(_ path: String) throws -> HardwareProfile {
    do {
        return try ProfileLoader.load(path: path)
    } catch {
        throw VigilExit.invalid(error.description)
    }
}

/// Parses "v1,v2,..." where each value is SI or carries a unit fitting its joint.
func parseJoints(_ text: String, profile: HardwareProfile, option: String) throws -> JointVector {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == profile.chainJointCount || parts.count == profile.jointCount else {
        let counts =
            profile.chainJointCount == profile.jointCount
            ? "\(profile.jointCount)" : "\(profile.chainJointCount) (the chain) or \(profile.jointCount) (every joint)"
        throw VigilExit.invalid(
            "error: \(option) has \(parts.count) values; \(profile.id) needs \(counts): \(profile.joints.map(\.name).joined(separator: ", "))")
    }
    var q = JointVector(count: profile.jointCount)
    for (i, part) in parts.enumerated() {
        let joint = profile.joints[i]
        let dimension: PhysicalDimension = joint.kind == .revolute ? .angle : .length
        if let plain = decimalNumber(part) {
            q[i] = plain
            continue
        }
        switch Quantity.parse(part, as: dimension) {
        case let .success(v): q[i] = v
        case .failure:
            throw VigilExit.invalid(
                "error: \(option): '\(part)' for \(joint.name) is not \(joint.kind == .revolute ? "an angle (a number in rad, or with a unit: rad, deg, mrad)" : "a length (a number in m, or with a unit: m, mm, cm, um)")")
        }
    }
    return q
}

func parsePosition(_ text: String) throws -> Vector3 {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 3 else {
        throw VigilExit.invalid("error: --position needs three values x,y,z, got \(parts.count)")
    }
    var values: [Double] = []
    for part in parts {
        if let plain = decimalNumber(part) {
            values.append(plain)
        } else if case let .success(v) = Quantity.parse(part, as: .length) {
            values.append(v)
        } else {
            throw VigilExit.invalid("error: --position: '\(part)' is not a length (a number in m, or with a unit: m, mm, cm, um)")
        }
    }
    return Vector3(values[0], values[1], values[2])
}

/// A number written in decimal (`-0.1`, `1e-3`): not hex (`0x10`), not `nan` or `inf`, which
/// `Double(_:)` would also take.
func decimalNumber(_ text: String) -> Double? {
    guard !text.isEmpty, text.allSatisfy({ "0123456789+-.eE".contains($0) }), let value = Double(text), value.isFinite else { return nil }
    return value
}

func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// `value`, with rounding noise far below the printed precision shown as 0 rather than -0.
func shown(_ value: Double) -> Double { abs(value) < 5e-9 ? 0 : value }

import Foundation
import Testing

@Suite struct KinematicsCLITests {
    @Test func forwardKinematicsAsJSON() throws {
        let run = try vigil("kinematics", "fk", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--joints", "0,0,0.12,0,0,0", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let pose = try #require(try json(run.stdout)["pose"] as? [[Double]])
        #expect(pose.count == 4 && pose.allSatisfy { $0.count == 4 })
        #expect(abs(pose[0][3]) < 1e-12 && abs(pose[1][3]) < 1e-12)
        #expect(abs(pose[2][3] - -0.1135) < 1e-12)
        #expect(pose[3] == [0, 0, 0, 1])
    }

    @Test func forwardKinematicsAcceptsUnitsAndEveryJoint() throws {
        let plain = try vigil("kinematics", "fk", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--joints", "0.1,0,0.12,0,0,0", "--json")
        let units = try vigil(
            "kinematics", "fk", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--joints", "0.1 rad,0 deg,120 mm,0,0,0,30 deg", "--json")
        #expect(units.status == 0, "\(units.stderr)")
        let a = try #require(try json(plain.stdout)["pose"] as? [[Double]])
        let b = try #require(try json(units.stdout)["pose"] as? [[Double]])
        for i in 0..<4 { for j in 0..<4 { #expect(abs(a[i][j] - b[i][j]) < 1e-15) } }
    }

    /// A list whose first value is negative is a value, not an option.
    @Test func aNegativeFirstValueIsAccepted() throws {
        let fk = try vigil("kinematics", "fk", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--joints", "-10 deg,0,120 mm,0,0,0", "--json")
        let same = try vigil("kinematics", "fk", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--joints=-10 deg,0,120 mm,0,0,0", "--json")
        #expect(fk.status == 0, "\(fk.stderr)")
        #expect(fk.stdout == same.stdout)
        let ik = try vigil("kinematics", "ik", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--position", "-10 mm,0,-100 mm", "--json")
        #expect(ik.status == 0, "\(ik.stderr)")
    }

    /// Joint values and positions are decimal numbers (with or without a unit): hex, NaN and
    /// infinity, which Swift's Double(_:) would read, are refused with the same message.
    @Test(arguments: ["0x10", "nan", "inf", "0x1p-3"])
    func aValueThatIsNotADecimalNumberIsRefused(_ value: String) throws {
        let fk = try vigil("kinematics", "fk", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--joints", "\(value),0,0.12,0,0,0")
        #expect(fk.status == 2)
        #expect(fk.stderr.contains("error: --joints: '\(value)' for outer_yaw is not an angle"), "\(fk.stderr)")
        let ik = try vigil("kinematics", "ik", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--position", "\(value),0,-0.1")
        #expect(ik.status == 2)
        #expect(ik.stderr.contains("error: --position: '\(value)' is not a length"), "\(ik.stderr)")
    }

    @Test func forwardKinematicsHumanOutput() throws {
        let run = try vigil("kinematics", "fk", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--joints", "0,0,0.12,0,0,0")
        #expect(run.status == 0)
        #expect(run.stdout.contains("tip position: x 0.0000 mm, y 0.0000 mm, z -113.5000 mm"))
        #expect(run.stdout.contains("tip 113.5000 mm from the RCM"))
    }

    @Test func wrongNumberOfJointsExitsTwo() throws {
        let run = try vigil("kinematics", "fk", "--profile", "HardwareProfiles/bench-3dof.yaml", "--joints", "0,0")
        #expect(run.status == 2)
        #expect(run.stderr.contains("--joints has 2 values; bench-3dof-xm430 needs 3"))
    }

    @Test(arguments: [
        ("HardwareProfiles/dvrk-psm.yaml", "0.02,-0.01,-0.1"),
        ("HardwareProfiles/dvrk-psm.yaml", "10 mm,5 mm,-150 mm"),
        ("HardwareProfiles/bench-3dof.yaml", "0.15,0.05,0.1"),
    ])
    func inverseKinematicsReachesTheTargetWithinLimits(_ profile: String, _ position: String) throws {
        let run = try vigil("kinematics", "ik", "--profile", profile, "--position", position, "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let joints = try #require(try json(run.stdout)["joints"] as? [Double])
        // Check with forward kinematics through the same CLI.
        let fk = try vigil("kinematics", "fk", "--profile", profile, "--joints", joints.map { "\($0)" }.joined(separator: ","), "--json")
        let reached = try #require(try json(fk.stdout)["position"] as? [Double])
        let target = position.split(separator: ",").map { part -> Double in
            let t = part.trimmingCharacters(in: .whitespaces)
            return t.hasSuffix("mm") ? Double(t.dropLast(2).trimmingCharacters(in: .whitespaces))! / 1000 : Double(t)!
        }
        let error = zip(reached, target).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        #expect(error < 1e-6)
    }

    @Test func unreachableTargetExitsOneWithTheDistance() throws {
        let run = try vigil("kinematics", "ik", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--position", "0,0,-0.5")
        #expect(run.status == 1)
        #expect(run.stderr.contains("is not reachable within the joint limits of dvrk-psm-classic-lnd"))
        #expect(run.stderr.contains("266.5000 mm away"))
    }

    /// A tolerance finer than double precision resolves is not reported as an unreachable target
    /// "0.0000 mm away"; a negative tolerance is read as a value, not as an option.
    @Test func aToleranceTooFineOrNegativeIsExplained() throws {
        let fine = try vigil("kinematics", "ik", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--position", "0,0,-110 mm", "--tolerance", "1e-20")
        #expect(fine.status == 1)
        #expect(!fine.stderr.contains("not reachable"), "\(fine.stderr)")
        #expect(fine.stderr.contains("more than --tolerance 1e-20 m, which is finer than double precision resolves there"), "\(fine.stderr)")
        // 50 nm beyond full insertion: out of reach, however close; not a precision matter.
        let beyond = try vigil("kinematics", "ik", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--position", "0,0,-0.23350005")
        #expect(beyond.status == 1)
        #expect(beyond.stderr.contains("is not reachable within the joint limits") && !beyond.stderr.contains("double precision"), "\(beyond.stderr)")
        let negative = try vigil("kinematics", "ik", "--profile", "HardwareProfiles/dvrk-psm.yaml", "--position", "0,0,-110 mm", "--tolerance", "-1")
        #expect(negative.status == 2)
        #expect(negative.stderr.contains("--tolerance must be a positive number of metres"), "\(negative.stderr)")
    }

    /// `vigil bench` outside the repository says which file it wants and how to give it.
    @Test func benchOutsideTheRepositoryNamesTheProfileOption() throws {
        let run = try vigil("bench", "--seconds", "0.1", "--profile", "/nonexistent/dvrk-psm.yaml")
        #expect(run.status == 2)
        #expect(run.stderr.contains("/nonexistent/dvrk-psm.yaml: no such file"), "\(run.stderr)")
        #expect(run.stderr.contains("or give --profile"), "\(run.stderr)")
    }

    @Test func invalidProfileForKinematicsExitsTwo() throws {
        let run = try vigil("kinematics", "fk", "--profile", "no.yaml", "--joints", "0")
        #expect(run.status == 2)
    }
}

import ArgumentParser
import Foundation
import Scenarios

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Work with hardware-profile files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate hardware profiles.",
            discussion: "Exits 0 when every file is valid, 2 when any is not (each problem is printed as file:line:column: error: field: reason)."
        )

        @Argument(help: "Profile files (YAML).")
        var files: [String]

        func run() throws {
            var invalid = false
            for file in files {
                do {
                    let profile = try ProfileLoader.load(path: file)
                    print("\(file): valid — \(profile.id): \(profile.jointCount) joints (\(profile.chainJointCount) in the kinematic chain), \(formatRate(profile.rate))")
                    for (check, reason) in profile.safety.disabledChecks {
                        print("  note: check '\(check)' is disabled: \(reason)")
                    }
                } catch {
                    invalid = true
                    printError(error.description)
                }
            }
            if invalid { throw VigilExit(code: VigilExit.invalidInput) }
        }
    }
}


// swift-tools-version: 6.2
//
// Vigil — surgical-robot motion-control simulator and safety monitor.
//
// Module rules (see docs/architecture.md and ../shared/docs/ARCHITECTURE.md):
//   * MotionTypes depends on nothing (not even Foundation).
//   * SafetyInterlock depends on MotionTypes only; CI checks this from `swift package describe`.
//   * Kinematics depends on MotionTypes only.
import PackageDescription

/// One strict settings block, applied to every target of this package (STYLE.md item 11).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Vigil",
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "MotionTypes", targets: ["MotionTypes"]),
        .library(name: "Kinematics", targets: ["Kinematics"]),
        .library(name: "SafetyInterlock", targets: ["SafetyInterlock"]),
        .library(name: "Scenarios", targets: ["Scenarios"]),
        // For the Benchmarks/ package.
        .library(name: "ActuatorInterface", targets: ["ActuatorInterface"]),
        .library(name: "ControlLoop", targets: ["ControlLoop"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "SerialBus", targets: ["SerialBus"]),
        .library(name: "BoardEmulator", targets: ["BoardEmulator"]),
        .library(name: "Realtime", targets: ["Realtime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(name: "MotionTypes"),
        .target(name: "Kinematics", dependencies: ["MotionTypes"]),
        .target(name: "SafetyInterlock", dependencies: ["MotionTypes"]),
        .target(name: "ActuatorInterface", dependencies: ["MotionTypes", "SafetyInterlock"]),
        .target(name: "Simulator", dependencies: ["MotionTypes", "SafetyInterlock", "ActuatorInterface"]),
        .systemLibrary(
            name: "CLibSerialPort",
            pkgConfig: "libserialport",
            providers: [.apt(["libserialport-dev"])]
        ),
        .target(
            name: "SerialBus",
            dependencies: ["MotionTypes", "SafetyInterlock", "ActuatorInterface", "CLibSerialPort"]
        ),
        .target(
            name: "BoardEmulator",
            dependencies: ["MotionTypes", "ActuatorInterface", "SerialBus", "Simulator"]
        ),
        .target(name: "FaultLog", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "CRealtime"),
        .target(name: "Realtime", dependencies: ["CRealtime"]),
        .target(
            name: "ControlLoop",
            dependencies: ["MotionTypes", "SafetyInterlock", "Kinematics", "ActuatorInterface"]
        ),
        .target(
            name: "Scenarios",
            dependencies: [
                "MotionTypes", "Kinematics", "SafetyInterlock", "ActuatorInterface", "Simulator", "ControlLoop", "FaultLog",
                "SerialBus", "Realtime",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(name: "Reports", dependencies: ["Scenarios", "FaultLog"]),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "MotionTypes", "Kinematics", "Scenarios", "FaultLog", "ControlLoop", "Reports", "SerialBus", "BoardEmulator",
                "Simulator", "Realtime", "SafetyInterlock", "ActuatorInterface",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MotionTypesTests",
            dependencies: ["MotionTypes"]
        ),
        .testTarget(
            name: "SafetyInterlockTests",
            dependencies: [
                "MotionTypes", "SafetyInterlock",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["MotionTypes", "SafetyInterlock", "ActuatorInterface", "Simulator"]
        ),
        .testTarget(
            name: "ControlLoopTests",
            dependencies: ["MotionTypes", "SafetyInterlock", "ActuatorInterface", "Simulator", "ControlLoop", "Kinematics"]
        ),
        .testTarget(
            name: "SerialBusTests",
            dependencies: ["SerialBus", "MotionTypes", "CLibSerialPort"]
        ),
        .testTarget(
            name: "FaultLogTests",
            dependencies: ["FaultLog", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "Scenarios", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "KinematicsTests",
            dependencies: [
                "MotionTypes", "Kinematics",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ScenariosTests",
            dependencies: ["MotionTypes", "Kinematics", "Scenarios", "ControlLoop", "FaultLog", "SafetyInterlock", "Realtime"]
        ),
        .testTarget(
            name: "RealtimeTests",
            dependencies: ["Realtime"]
        ),
        .testTarget(
            name: "VigilCLITests",
            dependencies: ["vigil"]
        ),
    ]
)

for target in package.targets where target.type != .system && target.name != "CRealtime" {
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}

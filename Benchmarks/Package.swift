// swift-tools-version: 6.1
//
// Vigil's allocation gate and micro-benchmarks (ordo-one/benchmark), kept out of the main
// package so that building or testing Vigil never builds the benchmark tooling.
//
//   cd Benchmarks
//   swift build -c release --product VirtualBoardsServer   # the serial benchmark's boards
//   swift package --allow-writing-to-package-directory benchmark thresholds check
//
// Thresholds/ holds the static thresholds: 0 mallocs per tick. See docs/performance.md.
import PackageDescription

let package = Package(
    name: "VigilBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Vigil", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TickAllocations",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Scenarios", package: "Vigil"),
                .product(name: "ControlLoop", package: "Vigil"),
                .product(name: "Simulator", package: "Vigil"),
                .product(name: "SerialBus", package: "Vigil"),
                .product(name: "ActuatorInterface", package: "Vigil"),
                .product(name: "MotionTypes", package: "Vigil"),
            ],
            path: "Benchmarks/TickAllocations",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Virtual boards in a process of their own, so that their allocations are not counted
        // against the serial backend's tick.
        .executableTarget(
            name: "VirtualBoardsServer",
            dependencies: [
                .product(name: "Scenarios", package: "Vigil"),
                .product(name: "SerialBus", package: "Vigil"),
                .product(name: "BoardEmulator", package: "Vigil"),
                .product(name: "Simulator", package: "Vigil"),
                .product(name: "MotionTypes", package: "Vigil"),
            ]
        ),
    ]
)

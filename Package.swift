// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "iin",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "IIN", targets: ["IIN"]),
        .executable(name: "iin", targets: ["iin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .target(
            name: "IIN",
            dependencies: [
                "CIINZlib", "CIINXML", "CIINSystem", "CIINMath", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Resources/gazetteer"), .copy("Resources/synth")],
            // NFKC from the ICU inside the toolchain's Foundation (see EnterpriseKey).
            linkerSettings: [.linkedLibrary("_FoundationICU")]
        ),
        .systemLibrary(name: "CIINZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(name: "CIINXML", dependencies: ["CLibXML2"]),
        .target(name: "CIINSystem"),
        // The gravity fit's inner loops, vectorised by the C compiler with
        // glibc's vector exp (libmvec, part of libc6-dev).
        .target(
            name: "CIINMath",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-fveclib=libmvec", "-fopenmp-simd"])],
            linkerSettings: [.linkedLibrary("mvec"), .linkedLibrary("m")]
        ),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Code only the benchmark and the gazetteer rebuild run: kept out of
        // the runtime library.
        .target(name: "IINTools", dependencies: ["IIN"]),
        .executableTarget(
            name: "iin",
            dependencies: [
                "IIN", "IINTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "iin-bench",
            dependencies: ["IIN", "IINTools"],
            // Run by `iin-bench pipeline` from the source tree, not built.
            exclude: ["duckdb_reference.py"]
        ),
        .testTarget(
            name: "IINTests",
            dependencies: ["IIN", "IINTools", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.0
import PackageDescription

/// Every source target is compiled in Swift 6 mode with warnings treated as errors; release
/// builds let the optimizer specialise generic code across modules (the request path
/// crosses EventHTTP, CrumbsSession and CrumbsApp).
let strict: [SwiftSetting] = [
    .unsafeFlags(["-warnings-as-errors"]),
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "Crumbs",
    products: [
        .executable(name: "crumbs", targets: ["crumbs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries, each reached from exactly one Swift layer.
        .systemLibrary(
            name: "CLibevent", path: "Modules/CLibevent", pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]),
        .systemLibrary(
            name: "COpenSSL", path: "Modules/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Modules/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // SSE2 byte scans, as static inline C: no library, nothing found with pkg-config.
        .systemLibrary(name: "CByteScan", path: "Modules/CByteScan"),
        .systemLibrary(
            name: "CHiredis", path: "Modules/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),

        // evhttp 2.1 has no accessor for a request's HTTP version; this reads the field in C
        // so that Swift never sees the struct (which would stop it being an OpaquePointer).
        // It also defines evhttp_send_error, in place of libevent's, for JSON refusals.
        .target(
            name: "CLibeventRequest", dependencies: ["CLibevent"], path: "Modules/CLibeventRequest",
            // DWARF 4: valgrind 3.19 (callgrind, the profiler used here) cannot read clang's DWARF 5.
            cSettings: [.unsafeFlags(["-gdwarf-4"])]),

        // The evhttp transport: the only Swift that calls libevent.
        .target(name: "EventHTTP", dependencies: ["CLibevent", "CLibeventRequest"], swiftSettings: strict),
        // The only Swift that calls hiredis: one connection per event loop, on its base.
        .target(name: "RedisClient", dependencies: ["CHiredis", "EventHTTP"], swiftSettings: strict),
        // Pure session and cookie logic: the only Swift that calls libcrypto and zlib.
        .target(name: "CrumbsSession", dependencies: ["COpenSSL", "CZlib", "CByteScan"], swiftSettings: strict),
        // The lesson's routes and beyond, on top of the two layers above.
        .target(
            name: "CrumbsApp",
            dependencies: [
                "EventHTTP", "CrumbsSession", "RedisClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The commands, their options and their help, on swift-argument-parser. It links
        // FoundationEssentials: some 2.7 MB more resident, but file-backed clean pages the
        // kernel can drop, not memory the process allocates (make bench shows both).
        .target(
            name: "CrumbsCommandLine",
            dependencies: [
                "CrumbsApp", "CrumbsSession", "EventHTTP", "RedisClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "crumbs",
            dependencies: ["CrumbsCommandLine"],
            exclude: ["Linking"],
            swiftSettings: strict,
            linkerSettings: [
                // lld packs the 21,000 relative relocations of a position-independent Swift
                // binary into a 4 KB DT_RELR table (glibc 2.36+) instead of 500 KB read at start.
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]),
                // libstdc++ linked statically: see Linking/libstdc++.so.
                .unsafeFlags(["-L", Context.packageDirectory + "/Sources/crumbs/Linking"]),
            ]),

        // Test targets are left out of -warnings-as-errors: Swift Testing's macros expand to
        // code that Swift 6.3 warns about.
        .testTarget(name: "CrumbsSessionTests", dependencies: ["CrumbsSession", "CZlib"]),
        .testTarget(
            name: "CrumbsCommandLineTests",
            dependencies: [
                "CrumbsCommandLine", "CrumbsSession", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "HTTPTestSupport", path: "Tests/HTTPTestSupport"),
        // (CLibevent: to fail a held request as evhttp's own failure path does.)
        .testTarget(name: "EventHTTPTests", dependencies: ["EventHTTP", "HTTPTestSupport", "CLibevent"]),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient"]),
        .testTarget(
            name: "CrumbsAppTests",
            dependencies: ["CrumbsApp", "CrumbsSession", "EventHTTP", "HTTPTestSupport", "RedisClient"]),
    ],
    swiftLanguageModes: [.v6]
)

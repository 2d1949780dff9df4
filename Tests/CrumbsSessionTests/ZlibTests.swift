import Foundation
import CZlib
import Testing

@testable import CrumbsSession

/// `Zlib.compress` must write Python's `zlib.compress` bytes, whichever of its two deflate
/// states it picks; zlib's own `compress2` (memory level 8, as Python) is the reference.
@Suite struct ZlibTests {
    @Test func lessonSessionsTakeTheSmallTable() {
        func small(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { Zlib.smallTableWritesTheSameBytes($0) }
        }
        #expect(small(#"{"count":0,"goodnight":"Moon","hello":"World"}"#))
        #expect(small(#"{"count":12345,"goodnight":"Moon","hello":"World","mouse":"Cookie"}"#))
        #expect(small(""))
        #expect(small(String(repeating: "\"", count: 34)))  // 32 positions: no chain can be longer
        // 33 positions whose third bytes share their low three bits ('"' is 0x22, 'b' 0x62).
        #expect(!small(String(repeating: "\"", count: 35)))
        #expect(!small(String(repeating: "b\"", count: 18)))
        // One block at level 1 up to 127 symbols: the limit is checked first.
        let eightLowBitPatterns = String(repeating: "abcdefgh", count: Zlib.smallTableInputLimit / 8)
        #expect(small(eightLowBitPatterns))
        #expect(!small(eightLowBitPatterns + "a"))
    }

    @Test(arguments: [true, false])
    func compressesToPythonsBytesWhateverTheInput(smallTable: Bool) {
        var generator = SplitMix64(seed: testSeed(default: 7, "compressesToPythonsBytesWhateverTheInput"))
        let alphabets: [[UInt8]] = [
            Array("ab".utf8), Array(#"{}":,0123456789"#.utf8), Array(32...126), Array(0...255), [0x00, 0x20, 0x40, 0x60],
        ]
        let zlib = Zlib(smallTable: smallTable)
        for trial in 0..<3_000 {
            let alphabet = alphabets[trial % alphabets.count]
            let count = Int.random(in: 0...260, using: &generator)
            var input = (0..<count).map { _ in alphabet.randomElement(using: &generator)! }
            if trial % 3 == 0 && count > 0 {  // repetitive: long matches and long chains
                let period = Int.random(in: 1...6, using: &generator)
                input = (0..<count).map { input[$0 % period] }
            }
            #expect(zlib.compress(input) == pythonCompress(input), "\(input)")
        }
    }

    /// Bytes built so that every position has the same 8-bit hash, so that at memory level 1
    /// each chain holds every earlier position; copies of the first bytes placed late make
    /// real matches that lie further back in that chain than the 32 positions deflate walks
    /// after a match of 8 bytes or more. Level 1 then misses them, and the bytes differ.
    @Test func inputsThatTheSmallTableWouldChangeTakeTheStandardOne() {
        var generator = SplitMix64(seed: testSeed(default: 11, "inputsThatTheSmallTableWouldChangeTakeTheStandardOne"))
        let zlib = Zlib()
        var changedBySmallTable = 0
        for _ in 0..<64 {
            let hash = UInt8.random(in: 0...255, using: &generator)
            var input = [UInt8.random(in: 0...255, using: &generator), UInt8.random(in: 0...255, using: &generator)]
            while input.count < 100 { input.append(hash ^ (input[input.count - 2] << 6) ^ (input[input.count - 1] << 3)) }
            let first = Int.random(in: 50...70, using: &generator)
            let firstCount = Int.random(in: 8...14, using: &generator)
            input.replaceSubrange(first..<first + firstCount, with: input[..<firstCount])
            let second = first + firstCount + Int.random(in: 0...3, using: &generator)
            let secondCount = Int.random(in: 4...12, using: &generator)
            input.replaceSubrange(second..<min(100, second + secondCount), with: input[..<secondCount])
            input = Array(input.prefix(100))

            if deflated(input, memoryLevel: 1) != pythonCompress(input) {
                changedBySmallTable += 1
                #expect(!input.withUnsafeBufferPointer { Zlib.smallTableWritesTheSameBytes($0) }, "\(input)")
            }
            #expect(zlib.compress(input) == pythonCompress(input), "\(input)")
        }
        // The hazard is real: without the check, most of these would get other bytes.
        #expect(changedBySmallTable > 32)
    }
}

/// Python's `zlib.compress(data)`: zlib's `compress2` at the default level.
private func pythonCompress(_ input: [UInt8]) -> [UInt8] {
    var output = [UInt8](repeating: 0, count: Int(compressBound(uLong(input.count))))
    var outputCount = uLongf(output.count)
    let status = compress2(&output, &outputCount, input, uLong(input.count), Z_DEFAULT_COMPRESSION)
    precondition(status == Z_OK)
    return Array(output.prefix(Int(outputCount)))
}

private func deflated(_ input: [UInt8], memoryLevel: Int32) -> [UInt8] {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    precondition(crumbs_deflate_init(stream, Z_DEFAULT_COMPRESSION, memoryLevel) == Z_OK)
    defer { deflateEnd(stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))))
    var input = input
    let produced = input.withUnsafeMutableBufferPointer { source in
        output.withUnsafeMutableBufferPointer { target in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = uInt(source.count)
            stream.pointee.next_out = target.baseAddress
            stream.pointee.avail_out = uInt(target.count)
            precondition(deflate(stream, Z_FINISH) == Z_STREAM_END)
            return target.count - Int(stream.pointee.avail_out)
        }
    }
    return Array(output.prefix(produced))
}

/// The seed for a randomised test: `CRUMBS_TEST_SEED` if set, else `default`; printed, so
/// that a failure can be replayed with `CRUMBS_TEST_SEED=<seed> swift test --filter <test>`.
func testSeed(default seed: UInt64, _ test: String) -> UInt64 {
    let chosen = ProcessInfo.processInfo.environment["CRUMBS_TEST_SEED"].flatMap { UInt64($0) } ?? seed
    print("\(test): seed \(chosen)")
    return chosen
}

/// A seeded generator (SplitMix64), so that a failure names inputs that can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

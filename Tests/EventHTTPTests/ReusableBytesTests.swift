import Testing

@testable import EventHTTP

/// `ReusableBytes` against an array given the same bytes: what it holds, that emptying
/// keeps its storage, and that copies are independent values.
@Suite struct ReusableBytesTests {
    /// Appends of every length from 0 to 300 (single bytes among them), each followed by a
    /// check against an array, through growth from empty and after emptying.
    @Test func holdsWhatAnArrayGivenTheSameAppendsHolds() {
        var bytes = ReusableBytes()
        for round in 0..<2 {
            var expected: [UInt8] = []
            for length in 0...300 {
                let piece = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length &+ round) }
                if length % 7 == 3, let first = piece.first {
                    bytes.append(first)
                    expected.append(first)
                } else {
                    piece.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
                    expected.append(contentsOf: piece)
                }
                #expect(bytes.count == expected.count)
            }
            #expect(bytes.bytes == expected)
            #expect(bytes.withUnsafeBytes { Array($0) } == expected)
            let capacity = bytes.capacity
            #expect(capacity >= expected.count)
            bytes.removeAll()
            #expect(bytes.isEmpty && bytes.bytes.isEmpty && bytes.capacity == capacity)
        }
    }

    @Test func copiesAreIndependentValues() {
        var original = ReusableBytes([1, 2, 3])
        var copy = original
        [4, 5].withUnsafeBufferPointer { copy.append(contentsOf: $0) }
        original.append(9)
        #expect(original.bytes == [1, 2, 3, 9])
        #expect(copy.bytes == [1, 2, 3, 4, 5])
        copy.removeAll()
        copy.append(7)
        #expect(original.bytes == [1, 2, 3, 9])
        #expect(copy.bytes == [7])
    }

    @Test func releasingTheStorageEmptiesIt() {
        var bytes = ReusableBytes([UInt8](repeating: 1, count: 1000))
        bytes.releaseStorage()
        #expect(bytes.isEmpty && bytes.capacity == 0)
        bytes.append(2)
        #expect(bytes.bytes == [2])
    }
}

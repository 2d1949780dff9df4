import Testing

@testable import EventHTTP

/// `ReusableBytes` against an array given the same bytes: what it holds, that emptying
/// keeps its storage, and that copies are independent values.
@Suite struct ReusableBytesTests {
    /// Appends of every length from 0 to 300, in place or copied, each followed by a check
    /// against an array, through growth from empty and after emptying.
    @Test func holdsWhatAnArrayGivenTheSameAppendsHolds() {
        var bytes = ReusableBytes()
        for round in 0..<2 {
            var expected: [UInt8] = []
            for length in 0...300 {
                let piece = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length &+ round) }
                if length % 3 == 1 {
                    bytes.append(count: length) { room in _ = room.initialize(from: piece) }
                } else {
                    piece.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
                }
                expected.append(contentsOf: piece)
                #expect(bytes.count == expected.count)
            }
            #expect(bytes.bytes == expected)
            #expect(bytes.withUnsafeBytes { Array($0) } == expected)
            let capacity = bytes.capacity
            #expect(capacity >= expected.count)
            bytes.removeAll()
            #expect(bytes.count == 0 && bytes.bytes.isEmpty && bytes.capacity == capacity)
        }
    }

    @Test func copiesAreIndependentValues() {
        var original = ReusableBytes([1, 2, 3])
        var copy = original
        [4, 5].withUnsafeBufferPointer { copy.append(contentsOf: $0) }
        [9].withUnsafeBufferPointer { original.append(contentsOf: $0) }
        #expect(original.bytes == [1, 2, 3, 9])
        #expect(copy.bytes == [1, 2, 3, 4, 5])
        copy.removeAll()
        copy.append(count: 1) { $0[0] = 7 }
        #expect(original.bytes == [1, 2, 3, 9])
        #expect(copy.bytes == [7])
    }

    /// Room lent past the bytes in use keeps what the writer says it wrote, no more.
    @Test func keepsWhatIsWrittenInTheRoomLent() {
        var bytes = ReusableBytes([1, 2])
        bytes.append(upTo: 100) { room in
            #expect(room.count == 100)
            room[0] = 3
            room[1] = 4
            return 2
        }
        bytes.append(upTo: 50) { _ in 0 }
        #expect(bytes.bytes == [1, 2, 3, 4] && bytes.capacity >= 102)
    }

    @Test func releasingTheStorageEmptiesIt() {
        var bytes = ReusableBytes([UInt8](repeating: 1, count: 1000))
        bytes.releaseStorage()
        #expect(bytes.count == 0 && bytes.capacity == 0)
        bytes.append(count: 1) { $0[0] = 2 }
        #expect(bytes.bytes == [2])
    }
}

import Testing

@testable import EventHTTP

/// The tracker's dictionary key: equal exactly when the addresses are, and hashed so that
/// heap addresses (16-byte aligned, close together) spread over a dictionary's buckets.
@Suite struct BuffereventKeyTests {
    private func key(_ address: Int) -> BuffereventKey { BuffereventKey(OpaquePointer(bitPattern: address)!) }

    @Test func equalExactlyWhenTheAddressesAre() {
        var table: [BuffereventKey: Int] = [:]
        for index in 0..<10_000 { table[key(0x7F00_0000_0000 + index * 16)] = index }
        #expect(table.count == 10_000)
        for index in stride(from: 0, to: 10_000, by: 97) { #expect(table[key(0x7F00_0000_0000 + index * 16)] == index) }
        #expect(table[key(0x7F00_0000_0008)] == nil)
        table[key(0x7F00_0000_0000)] = nil
        #expect(table.count == 9_999)
    }

    /// 1,024 neighbouring aligned addresses in 1,024 buckets: uniformly random hashes fill
    /// 1,024 × (1 − 1/e) ≈ 647 of them; the address alone (its low 4 bits always 0) would
    /// fill at most 64.
    @Test func neighbouringAddressesSpreadOverTheLowBits() {
        for seed in [0, 1, 0x5EED_1234] {
            let buckets = Set((0..<1024).map { key(0x5555_5555_0000 + $0 * 16)._rawHashValue(seed: seed) & 1023 })
            #expect(buckets.count > 560, "seed \(seed): \(buckets.count) buckets")
        }
    }
}

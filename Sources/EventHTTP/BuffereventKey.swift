/// A bufferevent's address as a dictionary key, hashed with a few arithmetic steps instead
/// of SipHash: the tracker looks a connection up on every request, and SipHash cost ~200
/// instructions of it (callgrind). The addresses are the allocator's, not a client's, so
/// SipHash's defence against chosen keys buys nothing here.
struct BuffereventKey: Hashable {
    let address: OpaquePointer

    init(_ address: OpaquePointer) { self.address = address }

    func hash(into hasher: inout Hasher) { hasher.combine(address) }

    /// What `Dictionary` asks for (the standard library's customisation point for a key's
    /// raw hash): the address mixed with the dictionary's seed, then spread over every bit
    /// (the mixer of SplitMix64), since a dictionary uses the low bits and heap addresses
    /// share theirs.
    func _rawHashValue(seed: Int) -> Int {
        var bits = UInt64(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(address)))) ^ UInt64(UInt(bitPattern: seed))
        bits = (bits ^ (bits >> 30)) &* 0xBF58_476D_1CE4_E5B9
        bits = (bits ^ (bits >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: bits ^ (bits >> 31))
    }
}

/// libFuzzer target: request path percent-decoding (EventHTTP's `PercentDecoding`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPercentDecoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let decoded = PercentDecoding.decode(bytes: bytes) {
        precondition(decoded.utf8.count <= size, "decoding made the path longer")
        if !bytes.contains(UInt8(ascii: "%")) { precondition(Array(decoded.utf8) == Array(bytes)) }
    }
    return 0
}

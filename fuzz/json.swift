/// libFuzzer target: the JSON parser, and both writers by round trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let value = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    for style in [JSONWriter.Style.compact, .pretty] {
        let written = JSONWriter.bytes(value, style: style)
        precondition(written.allSatisfy { $0 < 0x80 }, "ensure_ascii output is not ASCII")
        guard let reread = try? JSONParser.parse(written) else { preconditionFailure("written JSON does not parse") }
        precondition(reread == value, "a value did not survive writing")
    }
    return 0
}

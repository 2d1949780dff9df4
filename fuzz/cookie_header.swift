/// libFuzzer target: the Cookie header parser (Werkzeug's rules). Built with the
/// CrumbsSession sources into one module by `make fuzz`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCookieHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var cookies = RequestCookies()
    let header = UnsafeBufferPointer(start: data, count: size)
    cookies.parse(header.span)
    // Names are distinct by their bytes (code points, as Python compares them), not by
    // Swift's canonical equivalence: é and e + U+0301 are two cookies.
    var seen = Set<[UInt8]>()
    cookies.forEach { name, _ in
        precondition(!name.isEmpty, "an empty cookie name was kept")
        precondition(seen.insert(name.withUnsafeBufferPointer { Array($0) }).inserted, "a cookie name was listed twice")
    }
    return 0
}

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
    // A line of plain text is split on a path of its own: the general path, sent there by a
    // control character after the line (a name of its own to Werkzeug), must agree with it.
    if size > 0, JSONWriter.isPlainASCII(header) {
        var general = RequestCookies()
        general.parse((Array(header) + Array(";\u{1}".utf8)).span)
        func pairs(_ cookies: RequestCookies) -> [[UInt8]] {
            var all: [[UInt8]] = []
            cookies.forEach { name, value in
                all.append(name.withUnsafeBufferPointer { Array($0) } + [0x3D] + value.withUnsafeBufferPointer { Array($0) })
            }
            return all
        }
        precondition(pairs(cookies) + [[0x01, 0x3D]] == pairs(general), "the plain-line path split a line differently")
    }
    return 0
}

/// libFuzzer target: the Cookie header parser (Werkzeug's rules). Built with the
/// CrumbsSession sources into one module by `make fuzz`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCookieHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var cookies = RequestCookies()
    cookies.parse(UnsafeBufferPointer(start: data, count: size))
    var seen = Set<String>()
    for cookie in cookies {
        precondition(!cookie.name.isEmpty, "an empty cookie name was kept")
        precondition(seen.insert(cookie.name).inserted, "a cookie name was listed twice")
    }
    return 0
}

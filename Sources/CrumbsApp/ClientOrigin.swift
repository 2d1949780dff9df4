import EventHTTP

/// Who the client is and how it connected, believing `X-Forwarded-For` and
/// `X-Forwarded-Proto` only from the proxies given with `--trusted-proxy`.
struct ClientOrigin {
    let address: String
    let isHTTPS: Bool

    init(request: HTTPRequest, trustedProxies: Set<String>) {
        let peer = request.peerAddress
        guard trustedProxies.contains(peer) else {
            address = peer
            isHTTPS = false
            return
        }
        // The nearest address not one of ours is the client (proxies append on the right).
        let forwarded = request.headerValues("X-Forwarded-For")
            .flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingSpaces()) }
        address = forwarded.reversed().first { !trustedProxies.contains($0) } ?? forwarded.first ?? peer
        isHTTPS = request.header("X-Forwarded-Proto")?.lowercased() == "https"
    }
}

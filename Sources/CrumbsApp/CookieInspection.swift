import CrumbsSession

/// What `crumbs decode` reports about a session cookie.
public struct CookieInspection {
    public var lines: [String]
    /// Whether a server holding these keys would accept the cookie (always false without keys).
    public var accepted: Bool
}

import CrumbsSession
import EventHTTP

/// The `Set-Cookie` headers a reply may carry, for plain HTTP or for clients a trusted proxy
/// says came over HTTPS (marked `Secure`), everything but the session value pre-rendered.
/// A class: each request's context points at one of two, and copying a struct of five
/// references would retain each.
final class CookieHeaders {
    let overHTTPS: Bool
    /// The session cookie, dated for permanent sessions.
    let session: SetCookie.Renderer
    /// What deletes the session cookie (Werkzeug's `delete_cookie`, same attributes).
    let expiredSession: HTTPHeader
    let mouse: HTTPHeader
    let expiredMouse: HTTPHeader

    /// The lesson's readable cookie, set by `/crumbs`.
    static let mouseCookie = SetCookie(name: "mouse", value: "Cookie", sameSite: .lax)

    init(_ configuration: AppConfiguration, overHTTPS: Bool) {
        self.overHTTPS = overHTTPS
        let template = configuration.sessionCookieTemplate(overHTTPS: overHTTPS)
        if configuration.permanentSessions {
            // Flask's permanent session: `Expires` now plus the lifetime, and `Max-Age`.
            var dated = template
            dated.maxAge = configuration.sessionLifetimeSeconds
            session = SetCookie.Renderer(dated, dated: true)
        } else {
            session = SetCookie.Renderer(template)
        }
        expiredSession = HTTPHeader("Set-Cookie", template.expired().headerValue)
        var mouseCookie = CookieHeaders.mouseCookie
        mouseCookie.secure = overHTTPS
        mouse = HTTPHeader("Set-Cookie", mouseCookie.headerValue)
        expiredMouse = HTTPHeader("Set-Cookie", mouseCookie.expired().headerValue)
    }
}

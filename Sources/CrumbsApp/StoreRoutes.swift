import CrumbsSession
import EventHTTP
import Logging
import RedisClient

/// The routes with `--store`: the session lives in Redis as Flask-Session keeps it, and the
/// cookie only names it. A request that needs the session is held while Redis answers and
/// answered from the same loop; the loop never waits.
///
/// What Flask-Session does not: a request that changes nothing writes nothing (its read
/// renews the TTL), a change is a compare-and-set on the stored bytes, applied again to the
/// fresh session when another request changed it meanwhile, and an id Redis does not know
/// is never adopted.
final class StoreRoutes {
    private let configuration: AppConfiguration
    private let settings: SessionStoreSettings
    private let store: RedisSessionStore
    /// Changes waiting, by session, while a batch of that session's changes is in flight on
    /// this loop (the key's presence says one is). The changes that gathered meanwhile go
    /// to Redis together, as one compare-and-set, in the order they came: a session hammered
    /// by many requests costs one round trip per batch, not per request.
    private var waitingChanges: [SessionID: [WaitingChange]] = [:]

    struct WaitingChange {
        let change: Change
        let held: HeldRequest
        let overHTTPS: Bool
    }
    private let loop: EventLoopHandle
    /// Timers of changes waiting to be tried again, by number.
    private var retryTimers: [Int: LoopTimer] = [:]
    private var nextRetry = 0
    private var random = SystemRandomNumberGenerator()
    /// This loop's session ids come from here.
    private var randomPool = SecureRandomPool()
    /// The bytes each session held when this loop last read or wrote it: the expected value
    /// of a change's compare-and-set, so that a change costs one command, not a read and a
    /// write. Only ever a guess: a stale one fails the compare-and-set, which returns what the
    /// key holds, and nothing is answered from it without Redis' word.
    private var lastKnown: [SessionID: [UInt8]] = [:]
    static let lastKnownLimit = 10_000
    /// Attempts of one change against sessions others keep changing, before a 409; the
    /// store timeout bounds them too (a loop that keeps winning holds the freshest bytes and
    /// retries without a pause, so a loser may need many tries).
    static let maximumAttempts = 64

    /// The lesson's defaults (cookie mode's, `CrumbsHandler.sessionDefaults`), encoded once.
    static let lessonDefaults: [StoredSession.Member] = CrumbsHandler.sessionDefaults.map { name, value in
        // Strings and a small integer: always storable.
        StoredSession.Member(key: name, value: try! MessagePackValue(json: value))
    }

    /// Reads the signed (or encrypted) session cookies of cookie mode and of Flask, with the
    /// keys of `--secret-key-file`, so that switching a deployment to Redis logs nobody out.
    private let cookieCodec: SessionCodec
    /// The session cookie's attributes, for plain HTTP and for HTTPS, and the buffer its
    /// header is written into.
    private let plainSessionCookie: SetCookie.Renderer
    private let httpsSessionCookie: SetCookie.Renderer
    private var cookieBytes: [UInt8] = []

    init(configuration: AppConfiguration, settings: SessionStoreSettings, loop: EventLoopHandle, cookieCodec: SessionCodec) {
        self.configuration = configuration
        self.cookieCodec = cookieCodec
        self.settings = settings
        self.loop = loop
        plainSessionCookie = SetCookie.Renderer(configuration.sessionCookieTemplate(overHTTPS: false), dated: true)
        httpsSessionCookie = SetCookie.Renderer(configuration.sessionCookieTemplate(overHTTPS: true), dated: true)
        let logger = Logger(label: "crumbs")
        let connection = RedisConnection(
            endpoint: settings.endpoint, loop: loop, maximumInFlight: settings.maxInFlight,
            log: { event in
                switch event {
                case .connected(let message): logger.notice("\(message)")
                case .problem(let message): logger.warning("\(message)")
                }
            })
        connection.start()
        store = RedisSessionStore(
            connection: connection, keyPrefix: settings.keyPrefix, lifetimeSeconds: configuration.sessionLifetimeSeconds)
    }

    /// What a route does with the session it is given.
    typealias Change = (inout StoredSession) -> Outcome

    enum Outcome {
        /// The route's answer; the session, as the change left it, is kept.
        case answer(HTTPResponse)
        /// A refusal; the session stays as it was.
        case refuse(HTTPResponse)
    }

    func serve(_ route: Route, _ method: HTTPMethod, _ context: inout RequestContext, into response: inout HTTPResponse) {
        let cookies = context.cookies
        let sid = cookies.withValue(named: configuration.sessionCookieName) { SessionID(cookieValue: $0) } ?? nil
        let request = Pending(request: context.request, sid: sid, cookies: cookies, overHTTPS: context.cookieHeaders.overHTTPS)
        switch (route, method) {
        case (.crumbs, _):
            var answer = HTTPResponse(status: 200)
            let message = method == .delete ? CrumbsHandler.removedCrumbs : CrumbsHandler.followedCrumbs
            LessonBody.message(message, cookies: cookies, into: &answer)
            answer.append(method == .delete ? context.cookieHeaders.expiredMouse : context.cookieHeaders.mouse)
            // Without a session there is nothing to ask Redis; with one, its TTL and cookie
            // are renewed, as Flask-Session renews them on every request.
            guard sid != nil else { return response = answer }
            run(request, readOnly: true, into: &response) { _ in .answer(answer) }
        case (.wholeSession, .delete):
            clear(request, into: &response)
        case (.wholeSession, _):
            run(request, readOnly: true, into: &response) { session in .answer(Self.wholeBody(session, cookies)) }
        case (.sessionValue(let key, _), .put):
            if let refusal = CrumbsHandler.refusal(ofKey: key) { return response = refusal }
            let value: MessagePackValue
            switch CrumbsHandler.readJSONBody(context.request, limit: configuration.maxBodyBytes) {
            case .failure(let refusal): return response = refusal
            case .success(let json):
                do {
                    value = try MessagePackValue(json: json)
                } catch {
                    return response = ErrorResponse.make(400, "the value cannot be stored: \(error)")
                }
            }
            run(request, into: &response) { session in
                session[key] = value
                return .answer(LessonBody.sessionValue(key: key, value: value.json, cookies: cookies))
            }
        case (.sessionValue(let key, _), .delete):
            if let refusal = CrumbsHandler.refusal(ofKey: key) { return response = refusal }
            run(request, into: &response) { session in
                guard session[key] != nil else { return .refuse(ErrorResponse.unknownKey(key, in: session.json)) }
                session[key] = nil
                return .answer(Self.wholeBody(session, cookies))
            }
        case (.sessionValue(let key, _), _):
            run(request, into: &response) { session in Self.showSession(key: key, in: &session, cookies: cookies) }
        case (.page, _):
            preconditionFailure("the page is served without the store")
        }
    }

    /// `show_session(key)` on a stored session: the lesson's defaults where a value is
    /// falsy, a visit to `count` counted.
    static func showSession(key: String, in session: inout StoredSession, cookies: RequestCookies) -> Outcome {
        if session == newSessionTemplate {
            // (A copy of the template: equal at once, by the identity of its storage.)
            session = newLessonSession
        } else {
            for member in lessonDefaults where !session.isTruthy(member.key) { session.set(member) }
        }
        if key == "count" {
            guard case .int(let count)? = session["count"], count < Int64.max else {
                return .refuse(ErrorResponse.countNotIncrementable(session["count"]?.json))
            }
            session["count"] = .int(count + 1)
        }
        guard let value = session[key] else { return .refuse(ErrorResponse.unknownKey(key, in: session.json)) }
        return .answer(LessonBody.sessionValue(key: key, value: value.json, cookies: cookies))
    }

    static func wholeBody(_ session: StoredSession, _ cookies: RequestCookies) -> HTTPResponse {
        CrumbsHandler.wholeBody(session.json, cookies: cookies)
    }

    /// What an answer sent later needs of its request, copied before `respond` returns.
    struct Pending {
        let request: HTTPRequest
        let sid: SessionID?
        let cookies: RequestCookies
        let overHTTPS: Bool
    }

    /// The session a valid signed cookie carries (cookie mode's or Flask's own), as a stored
    /// session: same values, Flask's tagged bytes and tuples turned back into bytes and arrays.
    private func carriedOver(_ cookies: RequestCookies) -> StoredSession? {
        let now = configuration.clock()
        guard let verified = cookies.withValue(named: configuration.sessionCookieName, { try? cookieCodec.decode($0, now: now) }) ?? nil,
            !verified.values.isEmpty
        else { return nil }
        var session = Self.newSessionTemplate
        for member in verified.values {
            guard let value = try? Self.carried(member.value) else { return nil }
            session[member.key] = value
        }
        return session
    }

    /// Flask's tagged JSON for bytes (`{" b": base64}`) and tuples (`{" t": [...]}`) as
    /// Flask-Session would store them (bytes and an array); other values as JSON gives them.
    static func carried(_ value: JSONValue) throws(MessagePackValue.Unstorable) -> MessagePackValue {
        switch value {
        case .array(let items):
            var values: [MessagePackValue] = []
            for item in items { values.append(try carried(item)) }
            return .array(values)
        case .object(let object) where object.count == 1:
            if case .string(let text)? = object[" b"], let bytes = MessagePackValue.base64Decoded(text) { return .binary(bytes) }
            if case .array(let items)? = object[" t"] { return try carried(.array(items)) }
            return try MessagePackValue(json: value)
        default:
            return try MessagePackValue(json: value)
        }
    }

    // MARK: Reading, changing, writing

    /// Applies `change` to the request's session, holding the request while Redis answers.
    /// A route that never changes the session (`readOnly`) reads it without waiting for the
    /// changes of the same session before it: a read needs no turn.
    private func run(_ pending: Pending, readOnly: Bool = false, into response: inout HTTPResponse, _ change: @escaping Change) {
        guard let sid = pending.sid else {
            // A new visitor, or one with a signed cookie: nothing to read, and a session that
            // stays vacant is not stored.
            // (Only here: a route that needs no session never checks a signed cookie.)
            var session = carriedOver(pending.cookies) ?? Self.newSessionTemplate
            switch change(&session) {
            case .refuse(let refusal): response = Self.varied(refusal)
            case .answer(let answer) where session.isVacant: response = Self.varied(answer)
            case .answer(let answer): create(session, answer, hold(pending.request), overHTTPS: pending.overHTTPS)
            }
            return
        }
        let held = hold(pending.request)
        if readOnly {
            return attempt(sid, change, held, overHTTPS: pending.overHTTPS, number: 1, readOnly: true, release: Release {})
        }
        let waiting = WaitingChange(change: change, held: held, overHTTPS: pending.overHTTPS)
        if waitingChanges[sid] != nil { return waitingChanges[sid]!.append(waiting) }
        waitingChanges[sid] = []
        runBatch(sid, [waiting])
    }

    // MARK: Batches of one session's changes

    private func runBatch(_ sid: SessionID, _ batch: [WaitingChange]) {
        // Waited past their deadline behind earlier changes: already answered.
        let members = batch.filter { !$0.held.isAnswered }
        switch members.count {
        case 0: finishBatch(sid)
        case 1:
            attempt(
                sid, members[0].change, members[0].held, overHTTPS: members[0].overHTTPS, number: 1,
                release: Release { [weak self] in self?.finishBatch(sid) })
        default: batchAttempt(sid, members, number: 1)
        }
    }

    private func finishBatch(_ sid: SessionID) {
        guard let next = waitingChanges[sid] else { return }
        if next.isEmpty { return waitingChanges[sid] = nil }
        waitingChanges[sid] = []
        runBatch(sid, next)
    }

    /// One compare-and-set for several changes, made in turn to the session as this loop last
    /// saw it, or as Redis says it is now.
    private func batchAttempt(_ sid: SessionID, _ members: [WaitingChange], number: Int) {
        if let known = lastKnown[sid] { return applyBatch(sid, members, base: known, number: number) }
        store.load(sid) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let failure):
                for member in members { member.held.reply { $0 = Self.unavailable(failure) } }
                finishBatch(sid)
            case .success(nil):
                // Unknown: each request gets a session of its own, as when alone.
                runInTurn(sid, members)
            case .success(let stored?):
                remember(sid, stored)
                applyBatch(sid, members, base: stored, number: number)
            }
        }
    }

    private func applyBatch(_ sid: SessionID, _ members: [WaitingChange], base: [UInt8], number: Int) {
        // A request answered at its deadline (while a read or a pause went by) has had its
        // 503: its change is dropped, as a lone change stops trying once answered.
        let members = members.filter { !$0.held.isAnswered }
        guard !members.isEmpty else { return finishBatch(sid) }
        guard var session = try? StoredSession(decoding: base) else { return runInTurn(sid, members) }
        var outcomes: [Outcome] = []
        for member in members {
            var trial = session
            let outcome = member.change(&trial)
            if case .answer = outcome { session = trial }
            outcomes.append(outcome)
        }
        let bytes = session.encoded()
        // What a batch does not decide at once (reads, an emptied session, one too large, an
        // unreadable value) is decided request by request, as when alone.
        guard !session.isVacant, bytes != base, tooLarge(bytes) == nil else { return runInTurn(sid, members) }
        let deadline = members.map { applyBy($0.held) }.min()!
        store.compareAndSet(sid, expected: base, new: bytes, applyBy: deadline) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(.applied):
                remember(sid, bytes)
                for (member, outcome) in zip(members, outcomes) {
                    member.held.reply { response in
                        switch outcome {
                        case .answer(let answer): response = self.withCookie(answer, sid: sid, overHTTPS: member.overHTTPS)
                        case .refuse(let refusal): response = Self.varied(refusal)
                        }
                    }
                }
                finishBatch(sid)
            case .success(.conflict(let current)) where number < Self.maximumAttempts:
                remember(sid, current)
                let live = members.filter { !$0.held.isAnswered }
                guard !live.isEmpty else { return finishBatch(sid) }
                guard number > 1 else { return batchAttempt(sid, live, number: number + 1) }
                let pause = Double.random(in: 0...(0.001 * Double(1 << min(number, 4))), using: &random)
                later(pause) { [weak self] in self?.batchAttempt(sid, live, number: number + 1) }
            case .success(.tooLate):
                // The first of them has had its 503; the others get theirs now, for a change
                // that was not made either.
                for member in members { member.held.reply { $0 = self.timedOut() } }
                finishBatch(sid)
            case .success(.conflict(let current)):
                remember(sid, current)
                for member in members {
                    member.held.reply {
                        $0 = ErrorResponse.make(409, "the session kept changing while this change was applied \(number) times; try again")
                    }
                }
                finishBatch(sid)
            case .failure(let failure):
                for member in members { member.held.reply { $0 = Self.unavailable(failure) } }
                finishBatch(sid)
            }
        }
    }

    /// The changes one after another, each read, changed and written alone.
    private func runInTurn(_ sid: SessionID, _ members: [WaitingChange], from index: Int = 0) {
        guard index < members.count else { return finishBatch(sid) }
        let member = members[index]
        guard !member.held.isAnswered else { return runInTurn(sid, members, from: index + 1) }
        attempt(
            sid, member.change, member.held, overHTTPS: member.overHTTPS, number: 1,
            release: Release { [weak self] in self?.runInTurn(sid, members, from: index + 1) })
    }

    /// One read-change-write of the session; `release` lets the next change of this session
    /// on this loop start, and is called once the answer is decided.
    /// `readOnly`: the change never changes the session (the caller's promise), so it is
    /// neither tried on the last known bytes nor encoded again to see whether it did.
    private func attempt(
        _ sid: SessionID, _ change: @escaping Change, _ held: HeldRequest, overHTTPS: Bool, number: Int,
        readOnly: Bool = false, release: Release
    ) {
        // A change to the session as this loop last saw it goes straight to the
        // compare-and-set. Anything else (a read, a refusal, an emptied session) is decided
        // on a fresh read.
        if !readOnly, let known = lastKnown[sid], var session = try? StoredSession(decoding: known),
            case .answer(let answer) = change(&session), !session.isVacant
        {
            let bytes = session.encoded()
            if bytes != known && tooLarge(bytes) == nil {
                return write(
                    sid, expected: known, new: bytes, answer, change, held, overHTTPS: overHTTPS, number: number,
                    release: release)
            }
        }
        store.load(sid) { [weak self] result in
            guard let self, !held.isAnswered else { return release() }
            // Whatever this request answers, the next change may start from what it leaves.
            defer { if held.isAnswered { release() } }
            if case .success(let stored) = result { remember(sid, stored) }
            switch result {
            case .failure(let failure):
                held.reply { $0 = Self.unavailable(failure) }
            case .success(nil):
                // Expired, deleted or made up: a new session under a new id, never this one.
                var session = Self.newSessionTemplate
                switch change(&session) {
                case .refuse(let refusal): held.reply { $0 = Self.varied(refusal) }
                case .answer(let answer) where session.isVacant: held.reply { $0 = Self.varied(answer) }
                case .answer(let answer): create(session, answer, held, overHTTPS: overHTTPS)
                }
                // The new session has a new id: nothing more happens to this one.
                release()
            case .success(let stored?):
                guard var session = try? StoredSession(decoding: stored) else {
                    return held.reply { $0 = Self.undecodable(stored) }
                }
                let read = session
                switch change(&session) {
                case .refuse(let refusal):
                    held.reply { $0 = Self.varied(refusal) }
                case .answer(let answer) where session.isVacant:
                    remember(sid, nil)
                    store.delete(sid) { result in
                        defer { release() }
                        held.reply { response in
                            switch result {
                            case .success: response = self.withExpiredCookie(answer, overHTTPS: overHTTPS)
                            case .failure(let failure): response = Self.unavailable(failure)
                            }
                        }
                    }
                case .answer(let answer) where readOnly:
                    // The read renewed the TTL, and nothing is written. (Debug builds, the
                    // tests', check the promise.)
                    assert(session == read, "a read-only route changed the session")
                    held.reply { $0 = self.withCookie(answer, sid: sid, overHTTPS: overHTTPS) }
                case .answer(let answer):
                    let bytes = session.encoded()
                    // Nothing changed: the read renewed the TTL, and nothing is written.
                    if bytes == stored { return held.reply { $0 = self.withCookie(answer, sid: sid, overHTTPS: overHTTPS) } }
                    if let refusal = tooLarge(bytes) { return held.reply { $0 = refusal } }
                    write(sid, expected: stored, new: bytes, answer, change, held, overHTTPS: overHTTPS, number: number, release: release)
                }
            }
        }
    }

    /// The compare-and-set of a change; when the session changed meanwhile, the change is
    /// made again to what the key now holds (which the failed compare-and-set returned).
    private func write(
        _ sid: SessionID, expected: [UInt8], new bytes: [UInt8], _ answer: HTTPResponse, _ change: @escaping Change,
        _ held: HeldRequest, overHTTPS: Bool, number: Int, release: Release
    ) {
        store.compareAndSet(sid, expected: expected, new: bytes, applyBy: applyBy(held)) { [weak self] result in
            guard let self, !held.isAnswered else { return release() }
            defer { if held.isAnswered { release() } }
            switch result {
            case .success(.applied):
                remember(sid, bytes)
                held.reply { $0 = self.withCookie(answer, sid: sid, overHTTPS: overHTTPS) }
            case .success(.conflict(let current)) where number < Self.maximumAttempts:
                remember(sid, current)
                // The first miss is most often this loop's own guess gone stale: again at once.
                // Later ones are other loops or instances changing the session too: again after a
                // random pause that grows with each try, so that contenders stop colliding.
                guard number > 1 else {
                    return attempt(sid, change, held, overHTTPS: overHTTPS, number: number + 1, release: release)
                }
                let pause = Double.random(in: 0...(0.001 * Double(1 << min(number, 4))), using: &random)
                later(pause) { [weak self] in
                    guard let self, !held.isAnswered else { return release() }
                    attempt(sid, change, held, overHTTPS: overHTTPS, number: number + 1, release: release)
                }
            case .success(.tooLate):
                held.reply { $0 = self.timedOut() }
            case .success(.conflict(let current)):
                remember(sid, current)
                held.reply {
                    $0 = ErrorResponse.make(409, "the session kept changing while this change was applied \(number) times; try again")
                }
            case .failure(let failure):
                held.reply { $0 = Self.unavailable(failure) }
            }
        }
    }

    private func remember(_ sid: SessionID, _ bytes: [UInt8]?) {
        guard let bytes else { return lastKnown[sid] = nil }
        // Past the limit, the table starts again (what it forgets costs a read, once).
        if lastKnown.updateValue(bytes, forKey: sid) == nil && lastKnown.count > Self.lastKnownLimit {
            lastKnown.removeAll(keepingCapacity: true)
            lastKnown[sid] = bytes
        }
    }

    /// Runs `action` on the loop after `seconds`.
    private func later(_ seconds: Double, _ action: @escaping () -> Void) {
        nextRetry += 1
        let number = nextRetry
        let timer = LoopTimer(on: loop) { [weak self] in
            self?.retryTimers[number] = nil
            action()
        }
        retryTimers[number] = timer
        timer.schedule(afterSeconds: seconds)
    }

    /// Stores a new session under a new id.
    private func create(_ session: StoredSession, _ answer: HTTPResponse, _ held: HeldRequest, overHTTPS: Bool) {
        let bytes = session.encoded()
        if let refusal = tooLarge(bytes) { return held.reply { $0 = refusal } }
        guard let sid = try? SessionID.new(from: &randomPool) else {
            return held.reply { $0 = ErrorResponse.make(503, "no random session id could be drawn; try again") }
        }
        store.create(sid, bytes) { [weak self] result in
            guard let self else { return }
            if case .success(true) = result { remember(sid, bytes) }
            held.reply { response in
                switch result {
                case .success(true): response = self.withCookie(answer, sid: sid, overHTTPS: overHTTPS)
                case .success(false): response = ErrorResponse.make(503, "a new session id was taken; try again")
                case .failure(let failure): response = Self.unavailable(failure)
                }
            }
        }
    }

    /// `DELETE /sessions`: the stored session is deleted, so a copy of the cookie is dead at
    /// once; this works for a stored value Crumbs cannot read too.
    private func clear(_ pending: Pending, into response: inout HTTPResponse) {
        let answer = Self.wholeBody(StoredSession(), pending.cookies)
        guard let sid = pending.sid else { return response = Self.varied(answer) }
        let held = hold(pending.request)
        remember(sid, nil)
        store.delete(sid) { [weak self] result in
            guard let self else { return }
            held.reply { response in
                switch result {
                case .success: response = self.withExpiredCookie(answer, overHTTPS: pending.overHTTPS)
                case .failure(let failure): response = Self.unavailable(failure)
                }
            }
        }
    }

    private func hold(_ request: HTTPRequest) -> HeldRequest {
        request.hold(deadlineSeconds: settings.timeoutSeconds) { [settings] response in
            response = Self.timedOut(settings)
        }
    }

    /// The answer at a held request's deadline: a change not made by then is never made
    /// (`applyBy`), so the client may safely try again.
    private static func timedOut(_ settings: SessionStoreSettings) -> HTTPResponse {
        unavailable(.unavailable("Redis did not answer within \(settings.timeoutSeconds) s"))
    }

    private func timedOut() -> HTTPResponse { Self.timedOut(settings) }

    /// When Redis must have made a request's change, on this machine's wall clock (the store
    /// turns it into Redis' time): the request's deadline, less a margin for the answer's
    /// way back and the loop's turn to read it (50 ms, or a fifth of a shorter
    /// --store-timeout). A change Redis runs later is refused there, so none lands after its
    /// request was answered 503.
    private func applyBy(_ held: HeldRequest) -> Int64 {
        held.wallClockDeadlineMilliseconds - min(50, Int64(settings.timeoutSeconds * 1000 / 5))
    }

    /// Flask-Session's default SESSION_PERMANENT = True, first in every new session.
    private static let newSessionTemplate: StoredSession = {
        var session = StoredSession()
        session[StoredSession.permanentKey] = .bool(true)
        return session
    }()

    /// A new session with the lesson's defaults, as `showSession` leaves one: made once, for
    /// every new visitor.
    private static let newLessonSession: StoredSession = {
        var session = newSessionTemplate
        for member in lessonDefaults { session.set(member) }
        return session
    }()

    private func tooLarge(_ bytes: [UInt8]) -> HTTPResponse? {
        guard bytes.count > settings.maxSessionBytes else { return nil }
        return ErrorResponse.make(
            413,
            "the session would be \(bytes.count) bytes; at most \(settings.maxSessionBytes) are kept "
                + "(--max-session-bytes), so it was left as it was",
            extra: [("session_bytes", .integer(Int64(bytes.count))), ("limit", .integer(Int64(settings.maxSessionBytes)))])
    }

    // MARK: Answers

    private static func varied(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.append(CrumbsHandler.varyCookie)
        return response
    }

    /// Flask-Session's cookie: the id, `Expires` from the lifetime, no `Max-Age`; written from
    /// attributes rendered once, as cookie mode writes its own.
    private func withCookie(_ answer: HTTPResponse, sid: SessionID, overHTTPS: Bool) -> HTTPResponse {
        var response = Self.varied(answer)
        // The loop's buffer, moved out for the header and back after.
        var bytes: [UInt8] = []
        swap(&bytes, &cookieBytes)
        defer { swap(&bytes, &cookieBytes) }
        bytes.removeAll(keepingCapacity: true)
        let expires = configuration.clock() + configuration.sessionLifetimeSeconds
        // A session id is base64url: nothing to quote.
        (overHTTPS ? httpsSessionCookie : plainSessionCookie).writeHeaderValue(into: &bytes, expires: expires) { value in
            sid.withBytes { value.append(contentsOf: $0) }
        }
        response.appendHeader(named: "Set-Cookie", value: bytes.span)
        return response
    }

    /// Flask-Session's deletion: `Expires` in 1970 and `Max-Age=0`, with the path and domain
    /// (and Crumbs' `SameSite`).
    private func withExpiredCookie(_ answer: HTTPResponse, overHTTPS: Bool) -> HTTPResponse {
        let template = configuration.sessionCookieTemplate(overHTTPS: overHTTPS)
        let cookie = SetCookie(
            name: template.name, value: "", domain: template.domain, expires: 0, maxAge: 0, secure: template.secure,
            path: template.path, sameSite: template.sameSite, partitioned: template.partitioned)
        var response = Self.varied(answer)
        response.addHeader("Set-Cookie", cookie.headerValue)
        return response
    }

    private static func unavailable(_ failure: RedisSessionStore.Failure) -> HTTPResponse {
        let reason: String
        switch failure {
        case .unavailable(let text): reason = text
        case .refused(let text): reason = "Redis refused: \(text)"
        }
        var response = ErrorResponse.make(503, "the session store is unavailable (\(reason)); try again shortly")
        response.addHeader("Retry-After", "1")
        return response
    }

    private static func undecodable(_ stored: [UInt8]) -> HTTPResponse {
        ErrorResponse.make(
            409,
            "the stored session cannot be read (it is not a msgpack map, perhaps a pickle from an older "
                + "Flask-Session); it was left as it is. DELETE /sessions starts a new one",
            extra: [("stored_bytes", .integer(Int64(stored.count)))])
    }
}

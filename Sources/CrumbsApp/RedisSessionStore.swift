import CrumbsSession
import EventHTTP
import RedisClient

/// Sessions in Redis under Flask-Session's keys, on the loop's connection. Reads refresh the
/// TTL in the same round trip (`GETEX`); writes are a compare-and-set on the stored bytes,
/// so a change made from a session that is no longer the stored one never lands.
final class RedisSessionStore {
    enum Failure: Error {
        /// Redis could not be asked or did not answer (down, reconnecting, too busy).
        case unavailable(String)
        /// Redis answered with an error (out of memory, refused script).
        case refused(String)
    }

    /// `SET` only if the key still holds what the change was made from: KEYS[1] the key,
    /// ARGV[1] the bytes expected ("" for a key that must not exist), ARGV[2] the new bytes,
    /// ARGV[3] the TTL in seconds, ARGV[4] the time (milliseconds since the Unix epoch) after
    /// which the change must not land: its request has been answered 503 by then, and a
    /// client that tries again would otherwise see its change made twice. Returns `{-1}` past
    /// that time; 1 when it set the bytes; otherwise what the key holds (`{0, bytes}`, or
    /// `{0}` for nothing), so that the change can be made again without another read.
    /// Opaque bytes only: Redis' cmsgpack would change them. (`SETEX`, not `SET ... EX`: the
    /// same, and Redis' command statistics then tell the writes scripts make from the `SET`s
    /// that create sessions. `TIME` before a write is allowed since Redis 5, which replicates
    /// a script's effects, not the script.)
    static let compareAndSetScript = """
        local now = redis.call('TIME')
        if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[4]) then return {-1} end
        local current = redis.call('GET', KEYS[1])
        if (current == false and ARGV[1] ~= '') or (current ~= false and current ~= ARGV[1]) then
          if current == false then return {0} end
          return {0, current}
        end
        redis.call('SETEX', KEYS[1], ARGV[3], ARGV[2])
        return 1
        """

    /// What a compare-and-set did.
    enum Swap {
        case applied
        /// The key held something else: these bytes, or nothing.
        case conflict(current: [UInt8]?)
        /// Redis ran the compare-and-set after the time it was given, and wrote nothing.
        case tooLate
    }
    static let compareAndSetSHA = Array(SHA1.hexDigest(Array(compareAndSetScript.utf8)).utf8)

    // Command words made once, not per request.
    private static let getex = Array("GETEX".utf8)
    private static let ex = Array("EX".utf8)
    private static let evalsha = Array("EVALSHA".utf8)
    private static let eval = Array("EVAL".utf8)
    private static let script = Array(compareAndSetScript.utf8)
    private static let oneKey = Array("1".utf8)
    private static let del = Array("DEL".utf8)
    private static let set = Array("SET".utf8)
    private static let nx = Array("NX".utf8)

    let connection: RedisConnection
    private let keyPrefix: [UInt8]
    private let ttl: [UInt8]

    init(connection: RedisConnection, keyPrefix: String, lifetimeSeconds: Int64) {
        self.connection = connection
        self.keyPrefix = Array(keyPrefix.utf8)
        self.ttl = Array(String(lifetimeSeconds).utf8)
    }

    /// The stored bytes (nil for no such session), with the TTL renewed.
    func load(_ sid: SessionID, _ done: @escaping (Result<[UInt8]?, Failure>) -> Void) {
        connection.send({ command in
            command.append(Self.getex)
            sid.withBytes { command.append(keyPrefix, $0) }
            command.append(Self.ex)
            command.append(ttl)
        }) { result in
            switch result {
            case .success(.string(let bytes)): done(.success(bytes))
            case .success(.null): done(.success(nil))
            case .success(.error(let message)): done(.failure(.refused(message)))
            case .success(let other): done(.failure(.refused("unexpected reply to GETEX: \(other)")))
            case .failure(let failure): done(.failure(.unavailable(failure.description)))
            }
        }
    }

    /// Stores `new` under a new id, unless the key exists (`SET NX`: a native command, which
    /// costs Redis a fraction of a script's run). True when it stored them, false when the id
    /// was taken.
    func create(_ sid: SessionID, _ new: [UInt8], _ done: @escaping (Result<Bool, Failure>) -> Void) {
        connection.send({ command in
            command.append(Self.set)
            sid.withBytes { command.append(keyPrefix, $0) }
            command.append(new)
            command.append(Self.ex)
            command.append(ttl)
            command.append(Self.nx)
        }) { result in
            switch result {
            case .success(.status("OK")): done(.success(true))
            case .success(.null): done(.success(false))
            case .success(.error(let message)): done(.failure(.refused(message)))
            case .success(let other): done(.failure(.refused("unexpected reply to SET: \(other)")))
            case .failure(let failure): done(.failure(.unavailable(failure.description)))
            }
        }
    }

    /// Stores `new` if the key still holds `expected` and the time is not past `applyBy`
    /// (this machine's wall clock, `WallClock`; sent to Redis in its own clock's time).
    func compareAndSet(
        _ sid: SessionID, expected: [UInt8], new: [UInt8], applyBy: Int64,
        _ done: @escaping (Result<Swap, Failure>) -> Void
    ) {
        withClockOffset { [self] offset in
            let applyBy = Array(String(applyBy + offset).utf8)
            send(Self.evalsha, Self.compareAndSetSHA, sid, expected, new, applyBy) { [self] result in
                // After a Redis restart the script is gone: send it whole, once.
                if case .success(.error(let message)) = result, message.hasPrefix("NOSCRIPT") {
                    return send(Self.eval, Self.script, sid, expected, new, applyBy) { result in done(Self.applied(result)) }
                }
                done(Self.applied(result))
            }
        }
    }

    // MARK: Redis' clock

    /// Redis' clock less this machine's, in milliseconds, so that a change's deadline is
    /// given in Redis' time whatever the two clocks say: measured with TIME before this
    /// loop's first compare-and-set, and again (without waiting) once a measure is older
    /// than `clockCheckInterval`. Nil until Redis has answered one.
    private(set) var clockOffset: Int64?
    /// The round trip of the measure in use: a measure is the midpoint of TIME's round trip,
    /// off by half of it at most, so a later one replaces it only if its round trip is as
    /// short or within `trustedRoundTrip` (the deadline's margin is 50 ms).
    private var clockRoundTrip = Int64.max
    private var clockCheckedAt = Int64.min
    static let clockCheckInterval: Int64 = 30_000
    static let trustedRoundTrip: Int64 = 20
    private static let time = Array("TIME".utf8)

    private func withClockOffset(_ body: @escaping (Int64) -> Void) {
        guard let offset = clockOffset else { return measureClock { [weak self] in body(self?.clockOffset ?? 0) } }
        if WallClock.milliseconds() - clockCheckedAt > Self.clockCheckInterval { measureClock {} }
        body(offset)
    }

    private func measureClock(then: @escaping () -> Void) {
        let sent = WallClock.milliseconds()
        // (One measure at a time once there is one: the next waits its interval from here.)
        clockCheckedAt = sent
        connection.send({ $0.append(Self.time) }) { [weak self] result in
            defer { then() }
            guard let self else { return }
            let received = WallClock.milliseconds()
            let roundTrip = received - sent
            guard case .success(.array(let parts)) = result, let redis = Self.milliseconds(ofTIME: parts),
                roundTrip <= max(clockRoundTrip, Self.trustedRoundTrip)
            else { return }
            clockOffset = redis - (sent + received) / 2
            clockRoundTrip = roundTrip
            clockCheckedAt = received
        }
    }

    /// TIME's reply, seconds and microseconds as decimal text, in milliseconds.
    static func milliseconds(ofTIME parts: [RedisReply]) -> Int64? {
        guard parts.count == 2, case .string(let seconds) = parts[0], case .string(let micros) = parts[1],
            let seconds = Int64(String(decoding: seconds, as: UTF8.self)),
            let micros = Int64(String(decoding: micros, as: UTF8.self))
        else { return nil }
        return seconds * 1000 + micros / 1000
    }

    /// `EVALSHA` or `EVAL` of the compare-and-set script.
    private func send(
        _ verb: [UInt8], _ script: [UInt8], _ sid: SessionID, _ expected: [UInt8], _ new: [UInt8], _ applyBy: [UInt8],
        _ done: @escaping (Result<RedisReply, RedisFailure>) -> Void
    ) {
        connection.send({ command in
            command.append(verb)
            command.append(script)
            command.append(Self.oneKey)
            sid.withBytes { command.append(keyPrefix, $0) }
            command.append(expected)
            command.append(new)
            command.append(ttl)
            command.append(applyBy)
        }, done)
    }

    private static func applied(_ result: Result<RedisReply, RedisFailure>) -> Result<Swap, Failure> {
        switch result {
        case .success(.integer(1)): return .success(.applied)
        case .success(.array(let items)) where items == [.integer(-1)]: return .success(.tooLate)
        case .success(.array(let items)) where items.first == .integer(0):
            if items.count == 2, case .string(let current) = items[1] { return .success(.conflict(current: current)) }
            return .success(.conflict(current: nil))
        case .success(.error(let message)): return .failure(.refused(message))
        case .success(let other): return .failure(.refused("unexpected reply to the compare-and-set: \(other)"))
        case .failure(let failure): return .failure(.unavailable(failure.description))
        }
    }

    func delete(_ sid: SessionID, _ done: @escaping (Result<Void, Failure>) -> Void) {
        connection.send({ command in
            command.append(Self.del)
            sid.withBytes { command.append(keyPrefix, $0) }
        }) { result in
            switch result {
            case .success(.integer): done(.success(()))
            case .success(.error(let message)): done(.failure(.refused(message)))
            case .success(let other): done(.failure(.refused("unexpected reply to DEL: \(other)")))
            case .failure(let failure): done(.failure(.unavailable(failure.description)))
            }
        }
    }
}

import CrumbsSession

/// The cookie tools behind `crumbs decode` and `crumbs sign`, kept apart from the command
/// line so they can be tested directly.
public enum CookieTools {
    /// Reads a cookie the way the lesson wants it understood: a signed payload is readable
    /// by anyone; only the signature needs the key.
    public static func inspect(
        _ cookie: String, secretKeys: [[UInt8]], lifetimeSeconds: Int64, now: Int64
    ) throws(ConfigurationError) -> CookieInspection {
        let value = cookie.hasPrefix("session=") ? String(cookie.dropFirst("session=".count)) : cookie
        if SessionEncryptor.isEncrypted(value) {
            return try inspectEncrypted(value, secretKeys: secretKeys, lifetimeSeconds: lifetimeSeconds, now: now)
        }
        let parts: SessionCookieParts
        do {
            parts = try SessionCookieParts.parse(
                value, zlib: Zlib(), inflateLimit: SessionSerializer.defaultInflateLimit)
        } catch {
            throw ConfigurationError("not a session cookie: \(describe(error))")
        }
        var lines = [
            "format:     signed (Flask / itsdangerous URLSafeTimedSerializer)",
            "compressed: \(parts.wasCompressed ? "yes (zlib)" : "no")",
            dateLine(parts.timestamp, now: now),
            "payload:",
        ]
        do {
            lines.append(JSONWriter.string(.object(try parts.payload()), style: .pretty))
        } catch {
            lines.append("  (unreadable: \(describe(error)))")
        }
        guard !secretKeys.isEmpty else {
            lines.append("signature:  not checked (give --secret-key-file to verify)")
            return CookieInspection(lines: lines, accepted: false)
        }
        let serializer: SessionSerializer
        do {
            serializer = try SessionSerializer(secretKeys: secretKeys, lifetimeSeconds: lifetimeSeconds)
        } catch {
            throw ConfigurationError("\(error)")
        }
        guard let keyIndex = serializer.verifyingKeyIndex(parts) else {
            lines.append("signature:  INVALID for every key given: the cookie was tampered with or signed with another key")
            return CookieInspection(lines: lines, accepted: false)
        }
        lines.append("signature:  valid, key \(keyIndex + 1) of \(secretKeys.count)")
        do {
            _ = try serializer.decode(value, now: now)
            return CookieInspection(lines: lines, accepted: true)
        } catch {
            lines.append("refused:    \(describe(error))")
            return CookieInspection(lines: lines, accepted: false)
        }
    }

    private static func inspectEncrypted(_ value: String, secretKeys: [[UInt8]], lifetimeSeconds: Int64, now: Int64)
        throws(ConfigurationError) -> CookieInspection
    {
        let parts: SessionEncryptor.Parts
        do {
            parts = try SessionEncryptor.Parts.parse(value.utf8)
        } catch {
            throw ConfigurationError("not an encrypted session cookie: \(describe(error))")
        }
        var lines = ["format:     encrypted (Crumbs v1, AES-256-GCM)", dateLine(parts.timestamp, now: now)]
        guard !secretKeys.isEmpty else {
            lines.append("payload:    encrypted; it cannot be read without the key (give --secret-key-file)")
            return CookieInspection(lines: lines, accepted: false)
        }
        do {
            let encryptor = try SessionEncryptor(secretKeys: secretKeys)
            let session = try encryptor.decode(
                value.utf8, lifetimeSeconds: Int64.max, now: parts.timestamp, maximumDepth: JSONParser.defaultMaximumDepth)
            lines.append("payload:")
            lines.append(JSONWriter.string(.object(session.values), style: .pretty))
            lines.append("decrypted:  with key \(session.keyIndex + 1) of \(secretKeys.count)")
            let age = now - parts.timestamp
            if age > lifetimeSeconds || age < 0 {
                lines.append("refused:    \(describe(age < 0 ? .notYetValid : .expired(ageSeconds: age)))")
                return CookieInspection(lines: lines, accepted: false)
            }
            return CookieInspection(lines: lines, accepted: true)
        } catch let error as SessionCookieRejection {
            lines.append("payload:    cannot be decrypted with the keys given (\(describe(error)))")
            return CookieInspection(lines: lines, accepted: false)
        } catch {
            throw ConfigurationError("\(error)")
        }
    }

    /// Mints a cookie for curl and wrk scripts.
    public static func sign(json: String, secretKeys: [[UInt8]], mode: SessionCodec.Mode, now: Int64)
        throws(ConfigurationError) -> String
    {
        let value: JSONValue
        do {
            value = try JSONParser.parse(json)
        } catch {
            throw ConfigurationError("the session is not JSON: \(error)")
        }
        guard case .object(let values) = value else { throw ConfigurationError("the session must be a JSON object") }
        do {
            return try SessionCodec(secretKeys: secretKeys, mode: mode).encode(values, now: now)
        } catch {
            throw ConfigurationError("\(error)")
        }
    }

    private static func dateLine(_ timestamp: Int64, now: Int64) -> String {
        let age = now - timestamp
        let relative = age >= 0 ? "\(age) s ago" : "\(-age) s in the future"
        return "signed at:  \(HTTPDate.format(epochSeconds: timestamp)) (\(timestamp), \(relative))"
    }

    static func describe(_ rejection: SessionCookieRejection) -> String {
        switch rejection {
        case .malformed: return "it is not payload.timestamp.signature in base64url"
        case .badSignature: return "no key matches its signature"
        case .expired(let age): return "it expired: signed \(age) s ago, beyond the session lifetime"
        case .notYetValid: return "it is dated in the future"
        case .badPayload(let reason): return reason
        }
    }
}

import Glibc

/// The sessions the lesson writes until a visitor changes a value:
/// `{"count":N,"goodnight":"Moon","hello":"World"}` with N from 0 to 999,999, as Flask's
/// compact sorted JSON. Almost every cookie the lesson signs is one of them.
///
/// itsdangerous compresses a payload only when zlib makes it 2 or more bytes shorter, and
/// no member of this family ever is: too short, too varied for deflate's matches to pay for
/// the 6 bytes of zlib's header and checksum. That was checked for each of the million,
/// with Python's own zlib (`Tests/interop/test_zlib_family.py`) and with the zlib Crumbs
/// loads (`ZlibTests`), so Crumbs writes them uncompressed without asking zlib: the same
/// bytes, without a deflate per signed cookie.
///
/// The check holds for the zlib it ran against; deflate's output is the library's to
/// change. So the shortcut is taken only with a zlib in `provenZlibVersions`: add a version
/// after both tests have passed with it loaded.
public enum DefaultLessonSession {
    /// `zlibVersion()` strings under which both exhaustive checks have passed.
    static let provenZlibVersions: Set<String> = ["1.2.13"]

    /// Whether the zlib loaded is one the check ran against.
    public static let skippingZlibIsProven = provenZlibVersions.contains(Zlib.loadedVersion)

    /// The largest count in the family.
    package static let largestCount = 999_999

    // String literals, read where the compiler put them: a constant array would be
    // initialised lazily, checked on every use.
    // (`LessonSession` writes every member with them.)
    static let prefix: StaticString = #"{"count":"#
    static let suffix: StaticString = #","goodnight":"Moon","hello":"World"}"#

    private static func bytes(_ text: StaticString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }

    /// The payload for `count`, as Flask writes it.
    package static func payload(count: Int) -> [UInt8] {
        Array(bytes(prefix)) + Array(String(count).utf8) + Array(bytes(suffix))
    }

    /// The count of a session that is a member, or nil: the session's JSON is then
    /// `payload(count:)`, and writing it needs no JSON writer.
    package static func count(of session: JSONObject) -> Int64? {
        let members = session.members
        guard members.count == 3, members[0].key.hasSameUTF8(as: "count"), case .integer(let count) = members[0].value,
            count >= 0, count <= largestCount,
            members[1].key.hasSameUTF8(as: "goodnight"), case .string(let goodnight) = members[1].value,
            goodnight.hasSameUTF8(as: "Moon"),
            members[2].key.hasSameUTF8(as: "hello"), case .string(let hello) = members[2].value, hello.hasSameUTF8(as: "World")
        else { return nil }
        return count
    }

    /// The count of a payload that is a member, read without a JSON parser, its digits
    /// checked and read in one pass; nil for any other payload.
    static func count(ofPayload json: UnsafeBufferPointer<UInt8>) -> Int64? {
        let (prefixCount, suffixCount) = (prefix.utf8CodeUnitCount, suffix.utf8CodeUnitCount)
        let digitCount = json.count - prefixCount - suffixCount
        guard digitCount >= 1, digitCount <= 6, let base = json.baseAddress else { return nil }
        let digits = base + prefixCount
        guard digitCount == 1 || digits[0] != UInt8(ascii: "0") else { return nil }
        var count: Int64 = 0
        for index in 0..<digitCount {
            let digit = digits[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            count = count &* 10 &+ Int64(digit)
        }
        guard memcmp(base, prefix.utf8Start, prefixCount) == 0,
            memcmp(base + (json.count - suffixCount), suffix.utf8Start, suffixCount) == 0
        else { return nil }
        return count
    }

    /// Whether `json` is a member: the prefix, 1 to 6 decimal digits without a leading zero
    /// (or "0" alone), the suffix.
    package static func contains(_ json: UnsafeBufferPointer<UInt8>) -> Bool {
        count(ofPayload: json) != nil
    }
}

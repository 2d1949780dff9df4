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

    private static let prefix = Array(#"{"count":"#.utf8)
    private static let suffix = Array(#","goodnight":"Moon","hello":"World"}"#.utf8)

    /// The payload for `count`, as Flask writes it.
    package static func payload(count: Int) -> [UInt8] {
        prefix + Array(String(count).utf8) + suffix
    }

    /// Whether `json` is a member: the prefix, 1 to 6 decimal digits without a leading zero
    /// (or "0" alone), the suffix.
    package static func contains(_ json: UnsafeBufferPointer<UInt8>) -> Bool {
        let digitCount = json.count - prefix.count - suffix.count
        guard digitCount >= 1, digitCount <= 6 else { return false }
        let digits = json[prefix.count..<(prefix.count + digitCount)]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            digitCount == 1 || digits.first != UInt8(ascii: "0")
        else { return false }
        return json.prefix(prefix.count).elementsEqual(prefix) && json.suffix(suffix.count).elementsEqual(suffix)
    }
}

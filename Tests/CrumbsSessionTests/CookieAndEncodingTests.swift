import Testing

@testable import CrumbsSession

@Suite struct SetCookieTests {
    @Test func rendersInDumpCookieOrder() {
        let cookie = SetCookie(
            name: "session", value: "v", domain: "Example.com", expires: 1_795_707_077, maxAge: 3600, secure: true,
            httpOnly: true, path: "/", sameSite: .lax, partitioned: true)
        #expect(
            cookie.headerValue
                == "session=v; Domain=Example.com; Expires=Thu, 26 Nov 2026 15:31:17 GMT; Max-Age=3600; Secure; HttpOnly; Path=/; SameSite=Lax; Partitioned"
        )
    }

    @Test func rendersTheLessonCookies() {
        #expect(SetCookie(name: "mouse", value: "Cookie").headerValue == "mouse=Cookie; Path=/")
        #expect(
            SetCookie(name: "session", value: "a.b.c", httpOnly: true, sameSite: .lax).headerValue
                == "session=a.b.c; HttpOnly; Path=/; SameSite=Lax")
    }

    @Test func expiresLikeDeleteCookie() {
        let cookie = SetCookie(name: "session", value: "x", httpOnly: true).expired()
        #expect(cookie.headerValue == "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/")
    }

    @Test func quotesValuesLikeWerkzeug() {
        #expect(SetCookie.quotedIfNeeded("a b\"c;d,é\\") == #""a b\"c\073d\054\303\251\\""#)
        #expect(SetCookie.quotedIfNeeded("plain-value_1.2") == "plain-value_1.2")
        #expect(SetCookie.quotedIfNeeded("") == "")
    }

    @Test func quotesPathsAndNormalisesDomains() {
        #expect(SetCookie.percentEncodedPath("/a b/é;x") == "/a%20b/%C3%A9%3Bx")
        #expect(SetCookie.normalizedDomain(".example.com:8080") == "example.com")
    }

    @Test func formatsHTTPDates() {
        #expect(HTTPDate.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(epochSeconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_704_164_645) == "Tue, 02 Jan 2024 03:04:05 GMT")
        // Python's `email.utils.formatdate(t, usegmt=True)` (and Werkzeug's `http_date(t)`).
        let python: [(Int64, String)] = [
            (-1, "Wed, 31 Dec 1969 23:59:59 GMT"), (-86_400, "Wed, 31 Dec 1969 00:00:00 GMT"),
            (2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT"), (2_147_483_648, "Tue, 19 Jan 2038 03:14:08 GMT"),
            (4_102_444_800, "Fri, 01 Jan 2100 00:00:00 GMT"), (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
            (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"), (1_740_787_199, "Fri, 28 Feb 2025 23:59:59 GMT"),
        ]
        for (seconds, text) in python {
            #expect(HTTPDate.format(epochSeconds: seconds) == text)
            var bytes = Array("Expires=".utf8)
            HTTPDate.write(epochSeconds: seconds, into: &bytes)
            #expect(bytes == Array("Expires=\(text)".utf8), "written after what is there")
        }
    }

    @Test func aDatedRendererWritesExpiresWithEachValue() {
        let template = SetCookie(
            name: "session", value: "", domain: "example.com", maxAge: 3600, secure: true, httpOnly: true,
            sameSite: .lax, partitioned: true)
        let renderer = SetCookie.Renderer(template, dated: true)
        var bytes = Array("kept".utf8)
        renderer.writeHeaderValue(into: &bytes, expires: 1_795_707_077) { $0.append(contentsOf: "v1".utf8) }
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "keptsession=v1; Domain=example.com; Expires=Thu, 26 Nov 2026 15:31:17 GMT; Max-Age=3600; Secure; HttpOnly; Path=/; SameSite=Lax; Partitioned"
        )
        // Without a domain, and the flags alone: Expires straight after the value.
        bytes = []
        SetCookie.Renderer(SetCookie(name: "id", value: "", httpOnly: true), dated: true)
            .writeHeaderValue(into: &bytes, expires: 0) { $0.append(contentsOf: "x".utf8) }
        #expect(String(decoding: bytes, as: UTF8.self) == "id=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Path=/")
        // An undated renderer keeps the template's own Expires, whatever it is given.
        bytes = []
        SetCookie.Renderer(SetCookie(name: "id", value: "", expires: 0))
            .writeHeaderValue(into: &bytes, expires: 1_795_707_077) { $0.append(contentsOf: "x".utf8) }
        #expect(String(decoding: bytes, as: UTF8.self) == "id=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/")
    }
}

@Suite struct SecureRandomPoolTests {
    @Test func handsOutEachByteOnceAcrossBlocks() throws {
        var pool = SecureRandomPool()
        var seen = Set<[UInt8]>()
        // Five blocks' worth of ids, and draws that do not divide a block, across its edges.
        for count in Array(repeating: 32, count: 5 * SecureRandomPool.blockSize / 32) + [1000, 100, 1024, 7, 1024] {
            let bytes = try pool.withBytes(count: count) { Array($0) }
            #expect(bytes.count == count)
            if count == 32 {
                #expect(seen.insert(bytes).inserted, "an id drawn twice")
                #expect(bytes != [UInt8](repeating: 0, count: 32))
            }
        }
        // 160 draws of 256 bits: a repeat or an all-zero id would mean bytes handed out twice.
        #expect(seen.count == 5 * SecureRandomPool.blockSize / 32)
    }

    @Test func twoPoolsDrawDifferentBytes() throws {
        var first = SecureRandomPool()
        var second = SecureRandomPool()
        let a = try first.withBytes(count: 32) { Array($0) }
        let b = try second.withBytes(count: 32) { Array($0) }
        #expect(a != b)
    }
}

@Suite struct EncodingTests {
    @Test func base64URLMatchesRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encodeToString(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(Array(encoded.utf8)) == Array(plain.utf8))
        }
        #expect(Base64URL.encodeToString([0xFB, 0xFF]) == "-_8")
    }

    @Test func base64URLRefusesForeignCharacters() {
        for text in ["Zg==", "Z", "Zm9v+", "Zm/v", "Zm 9", "Zh", "Zm9"] {
            #expect(Base64URL.decode(Array(text.utf8)) == nil)
        }
        // A foreign byte anywhere, in a whole group of four or in the last partial one.
        let valid = Array("Zm9vYmFyYmF6cXV4".utf8)
        for length in [valid.count, valid.count - 1, valid.count - 2] {
            for position in 0..<length {
                for foreign in [UInt8(ascii: "="), UInt8(ascii: "+"), 0x00, 0x80, 0xFF] {
                    var text = Array(valid[..<length])
                    text[position] = foreign
                    #expect(Base64URL.decode(text) == nil, "\(text) at \(position)")
                }
            }
        }
    }

    @Test func zlibRoundTripsAndRejectsGarbage() {
        let zlib = Zlib()
        let text = Array(String(repeating: "crumbs ", count: 100).utf8)
        let compressed = zlib.compress(text)
        // Python's `zlib.compress(b"crumbs " * 100)`.
        #expect(compressed == [120, 156, 75, 46, 42, 205, 77, 42, 86, 72, 30, 165, 70, 169, 161, 70, 1, 0, 62, 142, 11, 64])
        #expect(zlib.decompress(compressed, limit: 10_000) == text)
        #expect(zlib.decompress(compressed, limit: 100) == nil)
        #expect(zlib.decompress(Array(compressed.dropLast(3)), limit: 10_000) == nil)
        #expect(zlib.decompress([1, 2, 3, 4], limit: 10_000) == nil)
        #expect(zlib.decompress(compressed + [0], limit: 10_000) == nil)
    }

    @Test func digestsMatchOnlyTheSameBytes() throws {
        let mac = try HMACSHA1(key: Array("key".utf8))
        let digest = Array("message".utf8).withUnsafeBytes { mac.authenticate($0) }
        let bytes = digest.withUnsafeBytes { Array($0) }
        // Python's `hmac.new(b"key", b"message", hashlib.sha1).digest()`.
        #expect(bytes == [32, 136, 223, 116, 213, 242, 20, 107, 72, 20, 108, 175, 73, 101, 55, 126, 157, 11, 227, 164])
        // RFC 2202, test case 2.
        let rfc = try HMACSHA1(key: Array("Jefe".utf8))
        let rfcDigest = Array("what do ya want for nothing?".utf8).withUnsafeBytes { rfc.authenticate($0) }
        #expect(
            rfcDigest.withUnsafeBytes { Array($0) }.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
                == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        func received(_ bytes: [UInt8]) -> HMACSHA1.Digest? {
            Base64URL.encode(bytes).withUnsafeBufferPointer { HMACSHA1.Digest(base64URL: $0) }
        }
        #expect(try #require(received(bytes)).matches(digest))
        #expect(digest.matches(try #require(received(bytes))))
        #expect(!digest.matches(try #require(received(Array(bytes.dropLast()) + [bytes.last! ^ 1]))))
        #expect(!digest.matches(try #require(received([bytes.first! ^ 0x80] + bytes.dropFirst()))))
        // Base64url of any other length, or with a foreign character, is no signature at all.
        #expect(received(Array(bytes.dropLast())) == nil)
        #expect(received(bytes + [0]) == nil)
        #expect(received([]) == nil)
        #expect(Array("\(Base64URL.encodeToString(bytes).dropLast())!".utf8).withUnsafeBufferPointer { HMACSHA1.Digest(base64URL: $0) } == nil)
    }

    /// The decoding table, written out as a literal, is the alphabet of RFC 4648 §5 (table 2)
    /// read backwards, and nothing else: every one of the 256 bytes.
    @Test func base64URLTableIsTheRFCAlphabet() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        for byte in 0...255 {
            let expected = alphabet.firstIndex(of: UInt8(byte)).map { UInt8($0) } ?? 0xFF
            #expect(Base64URL.values[byte] == expected, "\(byte)")
            #expect(Base64URL.isAlphabetByte(UInt8(byte)) == (expected != 0xFF))
        }
        // Each of the 64 values encodes to its letter: a one-byte input's first character.
        for (value, letter) in alphabet.enumerated() {
            #expect(Base64URL.encode([UInt8(value << 2)]).first == letter)
        }
    }

    @Test func base64URLEncodesEveryTailLength() {
        for length in 0..<64 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
            #expect(Base64URL.encode(bytes).count == (length * 4 + 2) / 3)
        }
    }
}

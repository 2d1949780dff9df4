import CrumbsSession
import Testing

@testable import CrumbsApp

@Suite struct SessionIDTests {
    private func id(_ text: String) -> SessionID? {
        let bytes = Array(text.utf8)
        return SessionID(cookieValue: bytes.span)
    }

    private func text(_ id: SessionID) -> String {
        id.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    @Test func readsOnlyWhatHasTheFormOfAnId() {
        let valid = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd"
        #expect(valid.utf8.count == 42)
        #expect(id(valid + "e").map(text) == valid + "e")
        for bad in [valid, valid + "ef", valid + "=", valid + ".", valid + "é", "", String(repeating: " ", count: 43)] {
            #expect(id(bad) == nil, "\(bad)")
        }
    }

    @Test func equalIdsAreOneKeyAndDifferentOnesAreNot() {
        let first = id(String(repeating: "a", count: 43))!
        let again = id(String(repeating: "a", count: 43))!
        let last = id(String(repeating: "a", count: 42) + "b")!
        #expect(first == again && first.hashValue == again.hashValue)
        #expect(first != last)
        #expect(Set([first, again, last]).count == 2)
    }

    @Test func newIdsAre43CharactersOfBase64URLAndNeverRepeat() throws {
        var pool = SecureRandomPool()
        var seen = Set<SessionID>()
        for _ in 0..<1000 {
            let new = try SessionID.new(from: &pool)
            let characters = text(new)
            #expect(characters.utf8.count == 43 && characters.utf8.allSatisfy(Base64URL.isAlphabetByte))
            // Read back from a cookie, it is the same key.
            #expect(id(characters) == new)
            #expect(seen.insert(new).inserted)
        }
    }
}

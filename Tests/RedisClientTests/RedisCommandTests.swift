import Testing

@testable import RedisClient

@Suite struct RedisCommandTests {
    private func wire(_ write: (inout RedisCommand) -> Void, reusing storage: [UInt8] = []) -> [UInt8] {
        var command = RedisCommand(reusing: storage)
        write(&command)
        let range = command.finish()
        // A NUL follows the command, for hiredis' C-string scanning, and is not sent.
        #expect(command.bytes.count == range.upperBound + 1 && command.bytes.last == 0)
        return Array(command.bytes[range])
    }

    private func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The bytes as the RESP2 specification writes them, and as redis-py's `pack_command`
    /// sends them.
    @Test func writesArraysOfBulkStrings() {
        let written = wire { command in
            command.append(ascii("SET"))
            ascii("abc").withUnsafeBytes { command.append(ascii("session:"), $0) }
            command.append([0x00, 0x0D, 0x0A, 0xFF])
            command.append([])
        }
        #expect(written == ascii("*4\r\n$3\r\nSET\r\n$11\r\nsession:abc\r\n$4\r\n") + [0x00, 0x0D, 0x0A, 0xFF] + ascii("\r\n$0\r\n\r\n"))
        #expect(wire { $0.append(ascii("PING")) } == ascii("*1\r\n$4\r\nPING\r\n"))
    }

    @Test func countsPastOneDigitAndLongArguments() {
        let written = wire { command in
            for _ in 0..<12 { command.append(ascii("a")) }
            command.append([UInt8](repeating: UInt8(ascii: "x"), count: 1234))
        }
        #expect(written == ascii("*13\r\n" + String(repeating: "$1\r\na\r\n", count: 12) + "$1234\r\n" + String(repeating: "x", count: 1234) + "\r\n"))
        #expect(wire { for _ in 0..<100 { $0.append([]) } } == ascii("*100\r\n" + String(repeating: "$0\r\n\r\n", count: 100)))
    }

    @Test func aReusedBufferStartsAfresh() {
        let old = ascii("*9\r\nleft over from the last command")
        #expect(wire({ $0.append(ascii("DEL")) }, reusing: old) == ascii("*1\r\n$3\r\nDEL\r\n"))
    }
}

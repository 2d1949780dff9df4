/// One Redis command as RESP2 puts it on the wire (an array of bulk strings), written
/// straight into the connection's reused buffer, which hiredis then copies into its own.
///
/// Why not `redisAsyncCommandArgv`: hiredis formats each argument with its own printf-like
/// `sdscatfmt`, and the arguments had to be gathered into arrays first; together about
/// 5,000 instructions a command (callgrind), against a few hundred here.
public struct RedisCommand: ~Copyable {
    /// Room kept before the arguments for the array header (`*<count>\r\n`), written last,
    /// once the count is known.
    static let headerRoom = 24

    private(set) var bytes: [UInt8]
    private(set) var argumentCount = 0

    /// A command written over `storage`'s bytes, reusing its capacity.
    init(reusing storage: consuming [UInt8]) {
        bytes = storage
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: repeatElement(0, count: Self.headerRoom))
    }

    /// Adds one argument, binary-safe.
    public mutating func append(_ argument: [UInt8]) {
        argument.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ argument: UnsafeRawBufferPointer) {
        appendBulkHeader(argument.count)
        bytes.append(contentsOf: argument)
        appendCRLF()
    }

    /// Adds one argument made of `prefix` then `rest` (a key: prefix and session id).
    public mutating func append(_ prefix: [UInt8], _ rest: UnsafeRawBufferPointer) {
        appendBulkHeader(prefix.count + rest.count)
        bytes.append(contentsOf: prefix)
        bytes.append(contentsOf: rest)
        appendCRLF()
    }

    /// The finished command: its header written at the end of the room kept for it, and a
    /// NUL after its last byte. Returns where the command lies in `bytes` (the NUL outside).
    ///
    /// The NUL is for hiredis, which scans the command it is given as a C string to spot
    /// `SUBSCRIBE` and `MONITOR` (`strchr`, and a look at the byte after the first argument,
    /// past the end of a one-argument command); the bytes it sends are the range's.
    mutating func finish() -> Range<Int> {
        // hiredis looks for the first argument's `$` with strchr: a command without one would
        // send it reading past the bytes.
        precondition(argumentCount > 0, "a Redis command has at least its name")
        var digits = 1
        var rest = argumentCount / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let start = Self.headerRoom - digits - 3
        bytes[start] = UInt8(ascii: "*")
        rest = argumentCount
        for position in stride(from: start + digits, to: start, by: -1) {
            bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        bytes[Self.headerRoom - 2] = UInt8(ascii: "\r")
        bytes[Self.headerRoom - 1] = UInt8(ascii: "\n")
        let end = bytes.count
        bytes.append(0)
        return start..<end
    }

    /// Gives the buffer back for the next command.
    consuming func storage() -> [UInt8] { bytes }

    private mutating func appendBulkHeader(_ length: Int) {
        argumentCount += 1
        bytes.append(UInt8(ascii: "$"))
        Self.appendDecimal(length, to: &bytes)
        appendCRLF()
    }

    private mutating func appendCRLF() {
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }

    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        precondition(value >= 0)
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

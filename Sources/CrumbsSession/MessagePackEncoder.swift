/// Writes msgpack by msgspec's rules, so that a session Crumbs writes is byte for byte the
/// one Flask-Session writes for the same values: the smallest form of each integer
/// (unsigned for those not negative), every float as float64, the smallest string, binary,
/// array, map and ext headers.
public enum MessagePackEncoder {
    public static func encode(_ value: MessagePackValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output)
        return output
    }

    public static func write(_ value: MessagePackValue, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(0xC0)
        case .bool(let flag): output.append(flag ? 0xC3 : 0xC2)
        case .int(let number): writeInteger(number, into: &output)
        case .uint(let number): writeUnsigned(number, into: &output)
        case .float(let number):
            output.append(0xCB)
            appendBigEndian(number.bitPattern, bytes: 8, into: &output)
        case .string(let text):
            let count = text.utf8.count
            writeHeader(count, small: (0xA0, 31), sizes: [(0xD9, 1), (0xDA, 2), (0xDB, 4)], into: &output)
            output.append(contentsOf: text.utf8)
        case .binary(let bytes):
            writeHeader(bytes.count, small: nil, sizes: [(0xC4, 1), (0xC5, 2), (0xC6, 4)], into: &output)
            output.append(contentsOf: bytes)
        case .array(let items):
            writeArrayHeader(items.count, into: &output)
            for item in items { write(item, into: &output) }
        case .map(let pairs):
            writeMapHeader(pairs.count, into: &output)
            for pair in pairs {
                write(pair.key, into: &output)
                write(pair.value, into: &output)
            }
        case .ext(let type, let data):
            switch data.count {
            case 1: output.append(0xD4)
            case 2: output.append(0xD5)
            case 4: output.append(0xD6)
            case 8: output.append(0xD7)
            case 16: output.append(0xD8)
            default: writeHeader(data.count, small: nil, sizes: [(0xC7, 1), (0xC8, 2), (0xC9, 4)], into: &output)
            }
            output.append(UInt8(bitPattern: type))
            output.append(contentsOf: data)
        }
    }

    public static func writeMapHeader(_ count: Int, into output: inout [UInt8]) {
        writeHeader(count, small: (0x80, 15), sizes: [(0xDE, 2), (0xDF, 4)], into: &output)
    }

    static func writeArrayHeader(_ count: Int, into output: inout [UInt8]) {
        writeHeader(count, small: (0x90, 15), sizes: [(0xDC, 2), (0xDD, 4)], into: &output)
    }

    private static func writeInteger(_ number: Int64, into output: inout [UInt8]) {
        if number >= 0 { return writeUnsigned(UInt64(number), into: &output) }
        switch number {
        case -32...(-1): output.append(UInt8(bitPattern: Int8(number)))
        case Int64(Int8.min)...: output.append(0xD0); appendBigEndian(UInt64(bitPattern: number), bytes: 1, into: &output)
        case Int64(Int16.min)...: output.append(0xD1); appendBigEndian(UInt64(bitPattern: number), bytes: 2, into: &output)
        case Int64(Int32.min)...: output.append(0xD2); appendBigEndian(UInt64(bitPattern: number), bytes: 4, into: &output)
        default: output.append(0xD3); appendBigEndian(UInt64(bitPattern: number), bytes: 8, into: &output)
        }
    }

    private static func writeUnsigned(_ number: UInt64, into output: inout [UInt8]) {
        switch number {
        case 0...0x7F: output.append(UInt8(number))
        case ...0xFF: output.append(0xCC); appendBigEndian(number, bytes: 1, into: &output)
        case ...0xFFFF: output.append(0xCD); appendBigEndian(number, bytes: 2, into: &output)
        case ...0xFFFF_FFFF: output.append(0xCE); appendBigEndian(number, bytes: 4, into: &output)
        default: output.append(0xCF); appendBigEndian(number, bytes: 8, into: &output)
        }
    }

    /// A fix form for counts up to `small.limit`, else the first of `sizes` that holds it.
    private static func writeHeader(
        _ count: Int, small: (base: UInt8, limit: Int)?, sizes: [(marker: UInt8, bytes: Int)], into output: inout [UInt8]
    ) {
        if let small, count <= small.limit { return output.append(small.base | UInt8(count)) }
        for size in sizes where size.bytes == 4 || count < 1 << (8 * size.bytes) {
            output.append(size.marker)
            appendBigEndian(UInt64(count), bytes: size.bytes, into: &output)
            return
        }
    }

    private static func appendBigEndian(_ value: UInt64, bytes: Int, into output: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}

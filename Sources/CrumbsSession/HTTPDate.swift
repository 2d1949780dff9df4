/// RFC 9110 §5.6.7 IMF-fixdate, e.g. `Thu, 01 Jan 1970 00:00:00 GMT`, computed without
/// Foundation or the C locale.
public enum HTTPDate {
    @usableFromInline static let weekdays: StaticString = "ThuFriSatSunMonTueWed"
    @usableFromInline static let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"

    public static func format(epochSeconds: Int64) -> String {
        var bytes: [UInt8] = []
        write(epochSeconds: epochSeconds, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the date's bytes: a session cookie's `Expires` is written with every reply,
    /// and string interpolation cost twenty times as much.
    public static func write(epochSeconds: Int64, into bytes: inout [UInt8]) {
        write(epochSeconds: epochSeconds, appendingTo: &bytes)
    }

    @inlinable package static func write(epochSeconds: Int64, appendingTo bytes: inout some ByteSink) {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = epochSeconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        appendName(weekdays, Int(((days % 7) + 7) % 7), into: &bytes)
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: " "))
        appendTwoDigits(day, into: &bytes)
        bytes.append(UInt8(ascii: " "))
        appendName(months, Int(month - 1), into: &bytes)
        bytes.append(UInt8(ascii: " "))
        JSONWriter.writeInteger(year, into: &bytes)
        bytes.append(UInt8(ascii: " "))
        appendTwoDigits(secondsOfDay / 3600, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondsOfDay / 60 % 60, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondsOfDay % 60, into: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(UInt8(ascii: "G"))
        bytes.append(UInt8(ascii: "M"))
        bytes.append(UInt8(ascii: "T"))
    }

    @inlinable static func appendName(_ names: StaticString, _ index: Int, into bytes: inout some ByteSink) {
        let start = names.utf8Start + 3 * index
        bytes.append(start[0])
        bytes.append(start[1])
        bytes.append(start[2])
    }

    /// At least two digits, as `%02d` writes them.
    @inlinable static func appendTwoDigits(_ value: Int64, into bytes: inout some ByteSink) {
        if value < 10 { bytes.append(UInt8(ascii: "0")) }
        JSONWriter.writeInteger(value, into: &bytes)
    }

    /// Howard Hinnant's days-to-civil algorithm for the proleptic Gregorian calendar.
    @usableFromInline static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

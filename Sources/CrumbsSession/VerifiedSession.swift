/// A session cookie that passed every check.
public struct VerifiedSession: Equatable, Sendable {
    /// The session's members: made on first use for a default lesson session, whose count
    /// is all a lesson route needs (`defaultLessonCount`).
    public var values: JSONObject { parsedValues ?? DefaultLessonSession.session(count: defaultLessonCount ?? 0) }
    public let timestamp: Int64
    /// Which secret key verified it: 0 is the current key, higher ones are older keys.
    public let keyIndex: Int
    public let wasCompressed: Bool
    /// The count, if the session is a default lesson session (`DefaultLessonSession`), whose
    /// members are the lesson's defaults already.
    public let defaultLessonCount: Int64?
    /// The members the payload's JSON was parsed into; nil for a default lesson session.
    private let parsedValues: JSONObject?

    public init(values: JSONObject, timestamp: Int64, keyIndex: Int, wasCompressed: Bool) {
        parsedValues = values
        defaultLessonCount = nil
        self.timestamp = timestamp
        self.keyIndex = keyIndex
        self.wasCompressed = wasCompressed
    }

    /// A default lesson session with `count`, read without building its members.
    init(defaultLessonCount: Int64, timestamp: Int64, keyIndex: Int) {
        parsedValues = nil
        self.defaultLessonCount = defaultLessonCount
        self.timestamp = timestamp
        self.keyIndex = keyIndex
        wasCompressed = false
    }

    public static func == (lhs: VerifiedSession, rhs: VerifiedSession) -> Bool {
        lhs.values == rhs.values && lhs.timestamp == rhs.timestamp && lhs.keyIndex == rhs.keyIndex
            && lhs.wasCompressed == rhs.wasCompressed && lhs.defaultLessonCount == rhs.defaultLessonCount
    }
}

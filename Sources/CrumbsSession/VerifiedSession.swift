/// A session cookie that passed every check.
public struct VerifiedSession: Equatable, Sendable {
    /// The session's members: made on first use for a lesson session, whose three fields
    /// are all a lesson route needs (`lessonSession`).
    public var values: JSONObject { parsedValues ?? lessonSession?.values ?? JSONObject() }
    public let timestamp: Int64
    /// Which secret key verified it: 0 is the current key, higher ones are older keys.
    public let keyIndex: Int
    public let wasCompressed: Bool
    /// The session, if it has the lesson's shape (`LessonSession`); its members are then
    /// made only if asked for.
    public let lessonSession: LessonSession?
    /// The members the payload's JSON was parsed into; nil for a lesson session.
    private let parsedValues: JSONObject?

    public init(values: JSONObject, timestamp: Int64, keyIndex: Int, wasCompressed: Bool) {
        parsedValues = values
        lessonSession = nil
        self.timestamp = timestamp
        self.keyIndex = keyIndex
        self.wasCompressed = wasCompressed
    }

    /// A lesson session, read without building its members.
    init(lessonSession: LessonSession, timestamp: Int64, keyIndex: Int, wasCompressed: Bool) {
        parsedValues = nil
        self.lessonSession = lessonSession
        self.timestamp = timestamp
        self.keyIndex = keyIndex
        self.wasCompressed = wasCompressed
    }

    public static func == (lhs: VerifiedSession, rhs: VerifiedSession) -> Bool {
        lhs.values == rhs.values && lhs.timestamp == rhs.timestamp && lhs.keyIndex == rhs.keyIndex
            && lhs.wasCompressed == rhs.wasCompressed && lhs.lessonSession == rhs.lessonSession
    }
}

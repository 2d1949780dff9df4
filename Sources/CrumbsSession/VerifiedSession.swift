/// A session cookie that passed every check.
public struct VerifiedSession: Equatable, Sendable {
    public let values: JSONObject
    public let timestamp: Int64
    /// Which secret key verified it: 0 is the current key, higher ones are older keys.
    public let keyIndex: Int
    public let wasCompressed: Bool
    /// The count, if the session is a default lesson session (`DefaultLessonSession`), whose
    /// members are the lesson's defaults already.
    public var defaultLessonCount: Int64? = nil
}

import CrumbsSession
import EventHTTP

/// A response's body buffer takes the JSON and lesson writers' bytes directly.
extension ReusableBytes: ByteSink {}

import Glibc

/// Writes lines to a descriptor from a thread of its own, so that the event loops handing
/// them over never wait on a slow disk, a full pipe or a terminal: `append` copies the line
/// under a lock held for a `memcpy`, and the thread writes whatever has gathered. One thread
/// writes, so a line is never interleaved with another, even past `PIPE_BUF`.
///
/// A reader that falls far behind must not take the server's memory with it: beyond
/// `pendingLimit` bytes waiting, lines are dropped, counted, and reported on standard error.
///
/// `@unchecked Sendable`: every mutable field is read and written under `lock`.
final class LineWriter: @unchecked Sendable {
    static let pendingLimit = 8 << 20

    private let descriptor: Int32
    private let closesDescriptor: Bool
    private let name: String
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending: [UInt8] = []
    private var dropped = 0
    private var finishing = false
    private var thread: pthread_t?

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    init(descriptor: Int32, closesDescriptor: Bool, name: String) throws(StartError) {
        self.descriptor = descriptor
        self.closesDescriptor = closesDescriptor
        self.name = name
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let writer = Unmanaged<LineWriter>.fromOpaque(context!).takeRetainedValue()
            writer.writeUntilFinished()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<LineWriter>.fromOpaque(context).release()
            throw StartError(description: "pthread_create: \(String(cString: strerror(status)))")
        }
        self.thread = thread
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(lock)
        wake.deallocate()
        lock.deallocate()
        if closesDescriptor { close(descriptor) }
    }

    /// Hands a line over (with its newline); never blocks on the descriptor.
    func append(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            pthread_mutex_lock(lock)
            if finishing || pending.count + bytes.count > Self.pendingLimit {
                dropped += 1
            } else {
                let wasEmpty = pending.isEmpty
                pending.append(contentsOf: bytes)
                if wasEmpty { pthread_cond_signal(wake) }
            }
            pthread_mutex_unlock(lock)
        }
    }

    /// Writes what has been handed over, then ends the thread. Idempotent.
    func finish() {
        pthread_mutex_lock(lock)
        let thread = self.thread
        self.thread = nil
        finishing = true
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
        if let thread { pthread_join(thread, nil) }
    }

    private func writeUntilFinished() {
        var batch: [UInt8] = []
        var failed = false
        while true {
            pthread_mutex_lock(lock)
            while pending.isEmpty && !finishing { pthread_cond_wait(wake, lock) }
            swap(&batch, &pending)
            let droppedNow = dropped
            dropped = 0
            let done = finishing && batch.isEmpty
            pthread_mutex_unlock(lock)
            if done { return }
            if !failed, let error = writeAll(batch) {
                failed = true
                report("\(name): write failed (\(String(cString: strerror(error)))); its lines are dropped from now on")
            }
            if droppedNow > 0 {
                report("\(name): \(droppedNow) lines dropped: the log was not read as fast as it was written")
            }
            batch.removeAll(keepingCapacity: batch.capacity <= 1 << 20)
        }
    }

    /// Every byte, retrying what `write` left over and `EINTR`; the error that stopped it, if any.
    private func writeAll(_ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                // A descriptor someone else made non-blocking (a shared terminal, say): wait on it.
                var descriptor = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&descriptor, 1, -1)
            } else {
                return written < 0 ? errno : EIO
            }
        }
        return nil
    }

    private func report(_ message: String) {
        let line = Array("crumbs: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

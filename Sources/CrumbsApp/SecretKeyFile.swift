import CrumbsSession

import Glibc

/// Secret keys on disk: raw bytes, used exactly as Flask uses `app.secret_key = b"..."`
/// (nothing is trimmed, so write them with `printf`, not `echo`).
public enum SecretKeyFile {
    public static let defaultPath = ".crumbs/secret_key"
    public static let generatedKeyLength = 32

    /// Reads a key file. The error names the file, never its contents.
    public static func read(_ path: String) throws(ConfigurationError) -> [UInt8] {
        try read(path, minimumLength: AppConfiguration.minimumSecretKeyLength, what: "secret key file")
    }

    static func read(_ path: String, minimumLength: Int, what: String) throws(ConfigurationError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ConfigurationError("cannot read \(what) \(path): \(errorText())") }
        defer { close(descriptor) }
        var key: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Glibc.read(descriptor, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ConfigurationError("cannot read \(what) \(path): \(errorText())") }
            if count == 0 { break }
            key.append(contentsOf: chunk[..<count])
            guard key.count <= 64 * 1024 else { throw ConfigurationError("\(what) \(path) is larger than 64 KiB") }
        }
        guard key.count >= minimumLength else {
            throw ConfigurationError("\(what) \(path) holds \(key.count) bytes; at least \(minimumLength) are required")
        }
        return key
    }

    /// Writes `generatedKeyLength` random bytes to a new file, mode 0600; never overwrites.
    public static func create(_ path: String) throws(ConfigurationError) -> [UInt8] {
        let key: [UInt8]
        do {
            key = try SecureRandom.bytes(count: generatedKeyLength)
        } catch {
            throw ConfigurationError("cannot draw random bytes: \(error)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ConfigurationError("cannot create secret key file \(path): \(errorText())") }
        defer { close(descriptor) }
        // The umask cannot widen 0600, but an inherited ACL or odd umask should not either.
        fchmod(descriptor, 0o600)
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == key.count else {
            unlink(path)
            throw ConfigurationError("cannot write secret key file \(path): \(errorText())")
        }
        return key
    }

    /// The key at `path`, created first (with its folder) if it does not exist.
    public static func readOrCreate(_ path: String) throws(ConfigurationError) -> (key: [UInt8], created: Bool) {
        if access(path, F_OK) == 0 { return (try read(path), false) }
        return (try createWithFolder(path), true)
    }

    /// `create`, making the key's folder first (mode 0700) if it is missing.
    public static func createWithFolder(_ path: String) throws(ConfigurationError) -> [UInt8] {
        if let slash = path.lastIndex(of: "/") {
            let folder = String(path[..<slash])
            if !folder.isEmpty && mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw ConfigurationError("cannot create folder \(folder): \(errorText())")
            }
        }
        if access(path, F_OK) == 0 { throw ConfigurationError("\(path) already exists; refusing to overwrite a key") }
        return try create(path)
    }

    /// A password file (Redis' AUTH): readable by its owner only, like a key; one trailing
    /// newline, as `echo` writes, is not part of the password.
    public static func readPassword(_ path: String) throws(ConfigurationError) -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else { throw ConfigurationError("cannot read password file \(path): \(errorText())") }
        guard status.st_mode & 0o077 == 0 else {
            throw ConfigurationError(
                "password file \(path) can be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        var password = try read(path, minimumLength: 1, what: "password file")
        if password.last == UInt8(ascii: "\n") { password.removeLast() }
        return password
    }

    /// `path` from the root, for messages that must say which file was meant.
    public static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let folder = getcwd(nil, 0) else { return path }
        defer { free(folder) }
        return String(cString: folder) + "/" + path
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

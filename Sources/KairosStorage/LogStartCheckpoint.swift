/// The `log-start-offset` file of a partition directory: the log start offset as decimal text, written atomically
/// (temporary file, fsync, rename, fsync of the directory) whenever truncatePrefix moves it.
enum LogStartCheckpoint {
    static let fileName = "log-start-offset"

    /// The stored offset, nil when there is no (readable) checkpoint.
    static func read(directory: String) throws -> Int64? {
        guard let bytes = try Posix.readFile(directory + "/" + fileName) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces
        guard let offset = Int64(text), offset >= 0 else { return nil }
        return offset
    }

    /// Stores `offset` durably.
    static func write(_ offset: Int64, directory: String) throws {
        try Posix.replaceFile(directory + "/" + fileName, with: Array("\(offset)\n".utf8))
    }
}

extension String {
    /// The string without leading and trailing spaces and newlines (no Foundation needed).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

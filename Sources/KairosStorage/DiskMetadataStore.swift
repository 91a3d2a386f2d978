import Logging

/// Metadata in one file of the log directory (`kairos-catalog.json`, see `MetadataFile` for its format), replaced
/// atomically on every change: the new content is written to a temporary file, fsynced, renamed over the old
/// file, and the directory is fsynced. A crash therefore leaves the old or the new version, never a mix; a
/// temporary file left by a crash is an update that never returned, and is discarded at open.
public final class DiskMetadataStore: MetadataStore, @unchecked Sendable {
    /// The file's name in the log directory.
    public static let fileName = "kairos-catalog.json"

    /// The file's path.
    public let path: String
    private let lock = StorageLock()
    private var metadata: BrokerMetadata

    /// Opens the metadata in `directory` (created if missing); a missing file is an empty broker's metadata.
    /// Throws `StorageError.corruptMetadata`, naming the file, when its content cannot be read or is inconsistent.
    public init(directory: String, logger: Logger) throws {
        try Posix.makeDirectories(directory)
        path = directory + "/" + Self.fileName
        let temporary = Posix.temporaryPath(for: path)
        if try Posix.fileSize(atPath: temporary) != nil {
            logger.warning("discarding an unfinished metadata write (the broker stopped during it)", metadata: ["file": "\(temporary)"])
            try Posix.unlinkIfPresent(temporary)
        }
        if let bytes = try Posix.readFile(path) {
            metadata = try MetadataFile.decode(bytes, path: path)
        } else {
            metadata = BrokerMetadata()
        }
    }

    /// The metadata as of the last successful update.
    public var current: BrokerMetadata { lock.withLock { metadata } }

    /// Applies `change` and keeps the result if it is consistent (see `MetadataStore.update`).
    @discardableResult
    public func update<Result>(_ change: (inout BrokerMetadata) throws -> Result) throws -> Result {
        try lock.withLock {
            let (next, result) = try metadata.applying(change)
            if next != metadata {
                try Posix.replaceFile(path, with: try MetadataFile.encode(next))
                metadata = next
            }
            return result
        }
    }
}

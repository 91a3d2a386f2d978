/// The errors storage throws: a struct over a private enum (swift-nio style), so new cases never break callers.
/// Test with `error == .offsetOutOfRange` or the `is…` flags.
public struct StorageError: Error, CustomStringConvertible, Equatable {
    private enum Base: Equatable {
        case offsetOutOfRange
        case corruptLog(String)
        case io(Int32, String)
        case closed
        case invalidBatch(String)
        case invalidName(String)
        case corruptMetadata(path: String, String)
        case invalidMetadata(String)
    }

    private let base: Base

    private init(_ base: Base) { self.base = base }

    /// The requested offset is below the log start or above the log end.
    public static let offsetOutOfRange = StorageError(.offsetOutOfRange)
    /// The log was closed.
    public static let closed = StorageError(.closed)

    /// The files on disk are inconsistent in a way recovery cannot repair.
    public static func corruptLog(_ detail: String) -> StorageError { StorageError(.corruptLog(detail)) }
    /// A system call failed with `errno`; `context` names the call and the file.
    public static func io(_ errno: Int32, _ context: String) -> StorageError { StorageError(.io(errno, context)) }
    /// The bytes given to append are not a RecordBatch v2 (the broker validates first, so this is a caller bug or bad input).
    public static func invalidBatch(_ detail: String) -> StorageError { StorageError(.invalidBatch(detail)) }
    /// A topic name that cannot become a directory name.
    public static func invalidName(_ name: String) -> StorageError { StorageError(.invalidName(name)) }

    /// The metadata file at `path` cannot be read as metadata: `detail` says what is wrong.
    public static func corruptMetadata(path: String, _ detail: String) -> StorageError {
        StorageError(.corruptMetadata(path: path, detail))
    }
    /// A metadata update would have left it inconsistent (a caller bug); the store kept its previous metadata.
    public static func invalidMetadata(_ detail: String) -> StorageError { StorageError(.invalidMetadata(detail)) }

    /// True for `offsetOutOfRange`.
    public var isOffsetOutOfRange: Bool { base == .offsetOutOfRange }
    /// True for `closed`.
    public var isClosed: Bool { base == .closed }
    /// True for `corruptLog`.
    public var isCorruptLog: Bool { if case .corruptLog = base { return true } else { return false } }
    /// True for `invalidBatch`.
    public var isInvalidBatch: Bool { if case .invalidBatch = base { return true } else { return false } }
    /// True for `invalidName`.
    public var isInvalidName: Bool { if case .invalidName = base { return true } else { return false } }
    /// True for `corruptMetadata`.
    public var isCorruptMetadata: Bool { if case .corruptMetadata = base { return true } else { return false } }
    /// True for `invalidMetadata`.
    public var isInvalidMetadata: Bool { if case .invalidMetadata = base { return true } else { return false } }
    /// The errno of an `io` error, nil for the other kinds.
    public var errno: Int32? { if case .io(let code, _) = base { return code } else { return nil } }

    /// A one-line explanation.
    public var description: String {
        switch base {
        case .offsetOutOfRange: return "offset out of range"
        case .corruptLog(let detail): return "corrupt log: \(detail)"
        case .io(let code, let context): return "I/O error \(code) in \(context)"
        case .closed: return "log is closed"
        case .invalidBatch(let detail): return "invalid record batch: \(detail)"
        case .invalidName(let name): return "invalid topic name for a log directory: \(name)"
        case .corruptMetadata(let path, let detail): return "corrupt metadata file \(path): \(detail)"
        case .invalidMetadata(let detail): return "invalid metadata update: \(detail)"
        }
    }
}

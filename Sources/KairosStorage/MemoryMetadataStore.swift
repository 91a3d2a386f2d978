/// Metadata kept in memory only: nothing survives the process. For tests and throw-away brokers.
public final class MemoryMetadataStore: MetadataStore, @unchecked Sendable {
    private let lock = StorageLock()
    private var metadata: BrokerMetadata

    /// A store holding `initial` (an empty broker's metadata by default).
    public init(_ initial: BrokerMetadata = BrokerMetadata()) {
        metadata = initial.canonical
    }

    /// The metadata as of the last successful update.
    public var current: BrokerMetadata { lock.withLock { metadata } }

    /// Applies `change` and keeps the result if it is consistent (see `MetadataStore.update`).
    @discardableResult
    public func update<Result>(_ change: (inout BrokerMetadata) throws -> Result) throws -> Result {
        try lock.withLock {
            let (next, result) = try metadata.applying(change)
            metadata = next
            return result
        }
    }
}

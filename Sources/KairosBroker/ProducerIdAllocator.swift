import Atomics
import KairosStorage

/// Hands out producer ids (InitProducerId). Ids are reserved in the metadata store a block at a time before any
/// of them is handed out, so a restarted broker, which starts at the end of the last block, never gives an id
/// twice; one metadata write serves `Limits.producerIdBlock` producers.
final class ProducerIdAllocator: Sendable {
    private let nextId: ManagedAtomic<Int64>
    private let metadata: any MetadataStore

    /// Starts after every id the metadata says may have been handed out.
    init(metadata: any MetadataStore) {
        self.metadata = metadata
        nextId = ManagedAtomic(metadata.current.producerIdLimit)
    }

    /// A new producer id, reserving the next block first when the last one is used up.
    func allocate() throws -> Int64 {
        let id = nextId.loadThenWrappingIncrement(ordering: .relaxed)
        if id >= metadata.current.producerIdLimit {
            // Several callers may get here for the same block: the update serialises them and only the first
            // moves the limit (the others change nothing, so nothing more is written).
            try metadata.update { if id >= $0.producerIdLimit { $0.producerIdLimit = id + Limits.producerIdBlock } }
        }
        return id
    }

    /// The id the next `allocate` will hand out: ids below it may be in use.
    var next: Int64 { nextId.load(ordering: .relaxed) }
}

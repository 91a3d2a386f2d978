import NIOConcurrencyHelpers

/// Keeps a few decompression contexts (LZ4F, zstd) between batches. A consumer decompresses one batch per
/// `batch.size` of records; creating a context for each allocated its block buffers (lz4: two of 64 KiB; zstd: its
/// window) and freeing it gave the memory back to the system, so every batch paid page faults for fresh memory: more
/// than the decompression itself for 16 KiB batches.
final class DecompressionContextPool: @unchecked Sendable {
    // @unchecked: `free` is touched only under `lock`; a context is used by one caller at a time.
    private let lock = NIOLock()
    private var free: [OpaquePointer] = []
    private let codec: CompressionCodec
    private let capacity: Int
    private let make: () -> OpaquePointer?
    private let reset: (OpaquePointer) -> Void
    private let release: (OpaquePointer) -> Void

    /// `reset` returns a used context to a clean state; `release` frees one the pool does not keep.
    init(codec: CompressionCodec, capacity: Int = 8, make: @escaping () -> OpaquePointer?,
         reset: @escaping (OpaquePointer) -> Void, release: @escaping (OpaquePointer) -> Void) {
        self.codec = codec
        self.capacity = capacity
        self.make = make
        self.reset = reset
        self.release = release
    }

    /// Runs `body` with a context of its own (throws when none can be made). A context whose use threw is freed,
    /// not kept: a decoder stopped mid-frame is not worth trusting to a reset.
    func withContext<Result>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
        guard let context = lock.withLock({ free.popLast() }) ?? make() else {
            throw CompressionError.failed(codec, "cannot create a decompression context")
        }
        let result: Result
        do {
            result = try body(context)
        } catch {
            release(context)
            throw error
        }
        reset(context)
        let kept = lock.withLock { () -> Bool in
            guard free.count < capacity else { return false }
            free.append(context)
            return true
        }
        if !kept { release(context) }
        return result
    }
}

import CBlockCache
@_spi(CustomByteBufferAllocator) import NIOCore

extension ByteBufferAllocator {
    /// Allocates from a cache of recently freed blocks (see `block_cache.h`): for buffers that are made and dropped
    /// by the thousand per second, such as decompressed record batches. glibc returns a thread arena's free memory
    /// to the system once enough of it is free, and the next buffers then fault in every page afresh.
    public static let blockCache = ByteBufferAllocator(
        allocate: { kairos_block_alloc($0) },
        reallocate: { kairos_block_realloc($0, $1, $2) },
        deallocate: { kairos_block_free($0) },
        copy: { kairos_block_copy($0, $1, $2) })

    /// Bytes held in the block cache's free blocks.
    public static var blockCacheFreeBytes: Int { kairos_block_cached_bytes() }
}

/// The broker's hard limits in one place: each bounds what one request can make the broker do.
public enum Limits {
    /// Partitions one topic may have.
    public static let partitionsPerTopicMax: Int32 = 10_000
    /// Longest a fetch may wait for data, whatever the client asks (max_wait_ms).
    public static let fetchWaitMsMax: Int64 = 300_000
    /// Producer ids reserved in the catalog at a time (one catalog write per block).
    public static let producerIdBlock: Int64 = 1_000
    /// Bytes a legacy message set may decompress to during format conversion (bounds decompression bombs).
    public static let decompressedBytesMax = 64 << 20
}

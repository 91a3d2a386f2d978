import KairosConfig

/// `cleanup.policy` / `log.cleanup.policy`: what happens to old segments.
///
/// `delete` removes segments past `retention.ms` / `retention.bytes`. `compact` is accepted but there is no
/// cleaner yet, so a compact-only log keeps every record (retention is off for it): readers still find the
/// latest value of every key, which is what compaction promises, only with more bytes on disk.
public struct CleanupPolicy: Sendable, Equatable, Hashable {
    /// Old segments are deleted by retention time and size.
    public var delete: Bool
    /// Kafka would compact the log (keep the last record per key).
    public var compact: Bool

    /// A policy from its two parts.
    public init(delete: Bool, compact: Bool) {
        self.delete = delete
        self.compact = compact
    }

    /// Kafka's default, `delete`.
    public static let delete = CleanupPolicy(delete: true, compact: false)

    /// Parses a comma-separated list of `compact` and `delete` (at least one).
    public static let format: ConfigValueFormat<CleanupPolicy> = ConfigValueFormat<[String]>
        .list(.oneOf(["compact", "delete"]), nonEmpty: true)
        .map(
            { names in CleanupPolicy(delete: names.contains("delete"), compact: names.contains("compact")) },
            back: { policy in (policy.compact ? ["compact"] : []) + (policy.delete ? ["delete"] : []) })
}

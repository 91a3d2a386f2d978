/// Client-quota state without I/O or clocks: the quotas set per entity, the rate each client is measured at, and
/// what each client id was throttled. Time comes in as `nowMs`, so tests drive it on a virtual clock; the broker
/// keeps one behind a lock (`ClientQuotaService`).
///
/// As in Kafka, the quota of a kind that applies to a request is the one of the most specific entity that sets
/// that kind (`ClientQuotaEntity.precedence`), and clients share a measured rate exactly when that entity names
/// them together: a quota on `user=alice` is shared by all of alice's client ids, one on `client-id=<default>` is
/// each client id's own.
public struct ClientQuotaAccounting: Sendable {
    /// What one client id used and was throttled, since the broker started (for `/metrics`).
    public struct ClientStats: Sendable, Equatable {
        /// Bytes recorded per quota kind (produce request bytes, fetch response bytes).
        public var bytes: [ClientQuotaKind: Int64] = [:]
        /// Throttle time given per quota kind, in ms.
        public var throttleMs: [ClientQuotaKind: Int64] = [:]
        /// The rate the client was last measured at per kind, in units per second (only under a quota).
        public var lastRate: [ClientQuotaKind: Double] = [:]
    }

    /// The quota that applies to one client for one kind.
    public struct AppliedQuota: Sendable, Equatable {
        /// The bound (bytes per second, or percent).
        public var bound: Double
        /// The entity whose setting it is.
        public var entity: ClientQuotaEntity
    }

    private struct SensorKey: Hashable {
        var kind: ClientQuotaKind
        var user: String?
        var clientId: String?
    }

    /// `quota.window.size.seconds` in ms.
    public let windowMs: Int64
    /// `quota.window.num`.
    public let windows: Int
    /// The quotas set, by entity.
    public private(set) var quotas: [ClientQuotaEntity: [ClientQuotaKind: Double]] = [:]
    /// Usage and throttling per client id.
    public private(set) var clients: [String: ClientStats] = [:]
    private var sensors: [SensorKey: QuotaSampledRate] = [:]

    /// Empty accounting with Kafka's window settings.
    public init(windowMs: Int64, windows: Int) {
        self.windowMs = max(windowMs, 1)
        self.windows = max(windows, 1)
    }

    /// Replaces the quotas of `entity` (an empty `values` removes the entity). Rates measured so far are kept
    /// only for sensors whose quota is unchanged, as a changed quota starts measuring afresh.
    public mutating func setQuotas(_ values: [ClientQuotaKind: Double], for entity: ClientQuotaEntity) {
        if values.isEmpty { quotas[entity] = nil } else { quotas[entity] = values }
        sensors.removeAll()
    }

    /// The quota of `kind` that applies to a request by `user` with `clientId`, or nil when none does.
    public func appliedQuota(_ kind: ClientQuotaKind, user: String, clientId: String) -> AppliedQuota? {
        guard !quotas.isEmpty else { return nil }
        for entity in ClientQuotaEntity.precedence(user: user, clientId: clientId) {
            if let bound = quotas[entity]?[kind] { return AppliedQuota(bound: bound, entity: entity) }
        }
        return nil
    }

    /// Records `amount` of `kind` for a request by `user`/`clientId` at `nowMs` and returns how long the client
    /// must now be throttled in ms (0 when within its quota or without one).
    public mutating func record(_ kind: ClientQuotaKind, amount: Double, user: String, clientId: String, nowMs: Int64) -> Int64 {
        if kind != .requestPercentage { clients[clientId, default: ClientStats()].bytes[kind, default: 0] += Int64(amount) }
        guard let applied = appliedQuota(kind, user: user, clientId: clientId) else { return 0 }
        let key = SensorKey(
            kind: kind, user: applied.entity.user == nil ? nil : user, clientId: applied.entity.clientId == nil ? nil : clientId)
        var sensor = sensors[key] ?? QuotaSampledRate(windowMs: windowMs, windows: windows)
        sensor.record(amount, nowMs: nowMs)
        let throttle = sensor.throttleMs(bound: applied.bound, nowMs: nowMs)
        sensors[key] = sensor
        clients[clientId, default: ClientStats()].lastRate[kind] = sensor.ratePerSecond(nowMs: nowMs)
        if throttle > 0 { clients[clientId, default: ClientStats()].throttleMs[kind, default: 0] += throttle }
        return throttle
    }

    /// How long `user`/`clientId` would be throttled at `nowMs` for `kind` without recording anything: > 0 when
    /// the client is over its quota already.
    public func pendingThrottleMs(_ kind: ClientQuotaKind, user: String, clientId: String, nowMs: Int64) -> Int64 {
        guard let applied = appliedQuota(kind, user: user, clientId: clientId) else { return 0 }
        let key = SensorKey(
            kind: kind, user: applied.entity.user == nil ? nil : user, clientId: applied.entity.clientId == nil ? nil : clientId)
        return sensors[key]?.throttleMs(bound: applied.bound, nowMs: nowMs) ?? 0
    }

    /// Takes back `amount` recorded at `nowMs` (a fetch answered empty because it was throttled, as Kafka does, so
    /// the bytes not sent do not count against the client).
    public mutating func unrecord(_ kind: ClientQuotaKind, amount: Double, user: String, clientId: String, nowMs: Int64) {
        guard let applied = appliedQuota(kind, user: user, clientId: clientId) else { return }
        let key = SensorKey(
            kind: kind, user: applied.entity.user == nil ? nil : user, clientId: applied.entity.clientId == nil ? nil : clientId)
        sensors[key]?.record(-amount, nowMs: nowMs)
        if kind != .requestPercentage { clients[clientId]?.bytes[kind, default: 0] -= Int64(amount) }
    }
}

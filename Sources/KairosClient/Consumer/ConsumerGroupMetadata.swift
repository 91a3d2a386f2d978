/// Where a consumer stands in its group now, as Kafka's `ConsumerGroupMetadata`: the generation it joined and the
/// member id the coordinator gave it (generation -1 and an empty id when it is not a member).
public struct ConsumerGroupMetadata: Sendable, Hashable {
    /// `group.id`.
    public var groupId: String
    /// The generation of the group this member last joined; -1 when it is not a member.
    public var generationId: Int32
    /// The id the coordinator gave this member; empty when it is not a member.
    public var memberId: String
    /// `group.instance.id` when the member is static.
    public var groupInstanceId: String?

    /// Makes one.
    public init(groupId: String, generationId: Int32, memberId: String, groupInstanceId: String?) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
    }
}

// ListGroups (key 16), v0-5. Every group this broker coordinates, with its protocol type ("" for a
// group that only stores offsets); v4+ adds the state and can filter by state names (any case; an
// empty filter lists all); v5+ adds the group type and can filter by type names (any case). Every group
// Kairos keeps speaks the classic protocol (JoinGroup/SyncGroup), so its type is "classic", as Kafka
// reports such groups.
import KafkaProtocol

extension ApiHandler {
    /// ListGroups.
    static let listGroups = ApiHandler.responding(to: ListGroupsRequest.self) { broker, request, version in
        broker.handleListGroups(request, version: version)
    }
}

extension Broker {
    func handleListGroups(_ request: ListGroupsRequest, version: Int16) -> ListGroupsResponse {
        let filter = version >= 4 && !request.statesFilter.isEmpty ? Set(request.statesFilter.map { $0.lowercased() }) : nil
        let types = version >= 5 && !request.typesFilter.isEmpty ? Set(request.typesFilter.map { $0.lowercased() }) : nil
        let listed = groups.read { coordinator in
            coordinator.groups.keys.sorted().compactMap { id -> ListGroupsResponse.ListedGroup? in
                let group = coordinator.groups[id]!
                if let filter, !filter.contains(group.state.rawValue.lowercased()) { return nil }
                if let types, !types.contains(Self.classicGroupType) { return nil }
                return .init(groupId: id, protocolType: group.protocolType ?? "", groupState: group.state.rawValue,
                             groupType: Self.classicGroupType)
            }
        }
        return ListGroupsResponse(throttleTimeMs: 0, errorCode: 0, groups: listed)
    }

    /// Kafka's type name of a group that uses JoinGroup/SyncGroup (every group Kairos keeps).
    static let classicGroupType = "classic"
}

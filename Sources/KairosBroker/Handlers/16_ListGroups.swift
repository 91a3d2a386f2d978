// ListGroups (key 16), v0-4. Every group this broker coordinates, with its protocol type ("" for a
// group that only stores offsets); v4+ adds the state and can filter by state names (any case; an
// empty filter lists all).
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
        let listed = groups.read { coordinator in
            coordinator.groups.keys.sorted().compactMap { id -> ListGroupsResponse.ListedGroup? in
                let group = coordinator.groups[id]!
                if let filter, !filter.contains(group.state.rawValue.lowercased()) { return nil }
                return .init(groupId: id, protocolType: group.protocolType ?? "", groupState: group.state.rawValue)
            }
        }
        return ListGroupsResponse(throttleTimeMs: 0, errorCode: 0, groups: listed)
    }
}

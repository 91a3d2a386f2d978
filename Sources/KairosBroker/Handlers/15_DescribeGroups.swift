// DescribeGroups (key 15), v0-5. A group's state, protocol type and members (client id, host; v4+
// group.instance.id). Member metadata and assignments, and the protocol name, are given only for a
// Stable group, as Kafka does. A group that does not exist is described as Dead with no error. v3+
// may ask for the authorized operations: all group operations, as Kairos has no ACLs.
import KafkaProtocol
import NIOCore

extension ApiHandler {
    /// DescribeGroups.
    static let describeGroups = ApiHandler.responding(to: DescribeGroupsRequest.self) { broker, request, version in
        broker.handleDescribeGroups(request, version: version)
    }
}

extension Broker {
    static var groupAuthorizedOperations: Int32 { AuthorizedOperations.group }

    func handleDescribeGroups(_ request: DescribeGroupsRequest, version: Int16) -> DescribeGroupsResponse {
        let operations = version >= 3 && request.includeAuthorizedOperations ? Broker.groupAuthorizedOperations : Int32.min
        let described = groups.read { coordinator in
            request.groups.map { id -> DescribeGroupsResponse.DescribedGroup in
                guard let group = coordinator.groups[id] else {
                    return .init(
                        errorCode: 0, groupId: id, groupState: GroupState.dead.rawValue, protocolType: "", protocolData: "",
                        members: [], authorizedOperations: operations)
                }
                let stable = group.state == .stable
                let protocolName = stable ? group.protocolName ?? "" : ""
                let members = group.memberOrder.compactMap { group.members[$0] }.map { m in
                    DescribeGroupsResponse.DescribedGroupMember(
                        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
                        memberMetadata: stable ? m.metadata(for: protocolName) : ByteBuffer(),
                        memberAssignment: stable ? m.assignment : ByteBuffer())
                }
                return .init(
                    errorCode: 0, groupId: id, groupState: group.state.rawValue, protocolType: group.protocolType ?? "",
                    protocolData: protocolName, members: members, authorizedOperations: operations)
            }
        }
        return DescribeGroupsResponse(throttleTimeMs: 0, groups: described)
    }
}

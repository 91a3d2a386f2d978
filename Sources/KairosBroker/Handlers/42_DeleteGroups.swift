// DeleteGroups (key 42), v0-2. Deletes groups without members, with their committed offsets
// (tombstones go to the offsets log first). A group with members: NON_EMPTY_GROUP; one that does not
// exist: GROUP_ID_NOT_FOUND.
import KafkaProtocol

extension ApiHandler {
    /// DeleteGroups: goes through the group coordinator (tombstones first).
    static let deleteGroups = ApiHandler(DeleteGroupsRequest.self) { broker, request, header, context in
        broker.handleDeleteGroups(request, header: header, context: context)
    }
}

extension Broker {
    func handleDeleteGroups(_ request: DeleteGroupsRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let ids = request.groupsNames
        return submitGroupEvent(header: header, context: context, encode: { reply -> DeleteGroupsResponse? in
            guard case .deleteGroups(let codes) = reply, codes.count == ids.count else { return nil }
            return DeleteGroupsResponse(
                throttleTimeMs: 0, results: zip(ids, codes).map { .init(groupId: $0, errorCode: $1.rawValue) })
        }) { token in
            .deleteGroups(token: token, groupIds: ids)
        }
    }
}

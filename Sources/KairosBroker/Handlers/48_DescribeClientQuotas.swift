// DescribeClientQuotas (key 48), v0-1. Lists the entities whose quotas pass the request's filter (KIP-546):
// each component constrains one entity type (user, client-id) to an exact name, the default or any name;
// strict leaves out entities naming other types. A bad filter (unknown entity type or match type, an exact
// match without a name, a type named twice) is answered with INVALID_REQUEST and no entries, as Kafka does.
import KafkaProtocol

extension ApiHandler {
    /// DescribeClientQuotas: reads the broker's quotas.
    static let describeClientQuotas = ApiHandler.responding(to: DescribeClientQuotasRequest.self) { broker, request, _ in
        broker.describeClientQuotas(request)
    }
}

extension Broker {
    func describeClientQuotas(_ request: DescribeClientQuotasRequest) -> DescribeClientQuotasResponse {
        let filter: ClientQuotaFilter
        switch ClientQuotaFilter.from(request) {
        case .failure(let error):
            return DescribeClientQuotasResponse(
                throttleTimeMs: 0, errorCode: error.code.rawValue, errorMessage: error.message, entries: nil)
        case .success(let parsed):
            filter = parsed
        }
        let entries = clientQuotas.describe(filter).map { entity, values in
            var parts: [DescribeClientQuotasResponse.DescribeClientQuotasEntityData] = []
            if let user = entity.user { parts.append(.init(entityType: ClientQuotaEntity.userType, entityName: user.wireName)) }
            if let clientId = entity.clientId {
                parts.append(.init(entityType: ClientQuotaEntity.clientIdType, entityName: clientId.wireName))
            }
            return DescribeClientQuotasResponse.DescribeClientQuotasEntryData(
                entity: parts,
                values: values.sorted { $0.key.key < $1.key.key }.map { .init(key: $0.key.key, value: $0.value) })
        }
        return DescribeClientQuotasResponse(throttleTimeMs: 0, errorCode: 0, errorMessage: nil, entries: entries)
    }
}

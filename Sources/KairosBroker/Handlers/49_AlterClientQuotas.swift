// AlterClientQuotas (key 49), v0-1. Sets or removes quota values per entity (KIP-546) and keeps them in the
// metadata store, so they survive restarts. Each entry is checked on its own and gets its own error, as in Kafka:
// INVALID_REQUEST for an empty entity, an entity type other than user and client-id (Kairos keeps no ip quotas),
// a type named twice, an unknown key, or a value that cannot be that quota (negative, not finite, a fractional
// byte rate, a byte rate of 0). validateOnly checks without changing anything.
import KafkaProtocol

extension ApiHandler {
    /// AlterClientQuotas: changes the broker's quotas.
    static let alterClientQuotas = ApiHandler.responding(to: AlterClientQuotasRequest.self) { broker, request, _ in
        broker.alterClientQuotas(request)
    }
}

extension Broker {
    func alterClientQuotas(_ request: AlterClientQuotasRequest) -> AlterClientQuotasResponse {
        let results = request.entries.map { entry -> AlterClientQuotasResponse.AlterClientQuotasEntryResult in
            let echo = entry.entity.map {
                AlterClientQuotasResponse.AlterClientQuotasResultEntity(entityType: $0.entityType, entityName: $0.entityName)
            }
            do {
                try alterClientQuotaEntry(entry, validateOnly: request.validateOnly)
                return .init(errorCode: 0, errorMessage: nil, entity: echo)
            } catch let error as ClientQuotaError {
                return .init(errorCode: error.code.rawValue, errorMessage: error.message, entity: echo)
            } catch {
                logger.error("storing a client quota failed", metadata: ["error": "\(error)"])
                return .init(errorCode: ErrorCode.unknownServerError.rawValue, errorMessage: "\(error)", entity: echo)
            }
        }
        return AlterClientQuotasResponse(throttleTimeMs: 0, entries: results)
    }

    private func alterClientQuotaEntry(_ entry: AlterClientQuotasRequest.AlterClientQuotasEntryData, validateOnly: Bool) throws {
        guard !entry.entity.isEmpty else { throw ClientQuotaError.invalidRequest("the entity names no entity type") }
        var entity = ClientQuotaEntity()
        for part in entry.entity {
            let name = ClientQuotaEntity.Name(wireName: part.entityName)
            switch part.entityType {
            case ClientQuotaEntity.userType:
                guard entity.user == nil else { throw ClientQuotaError.invalidRequest("entity type user appears twice") }
                entity.user = name
            case ClientQuotaEntity.clientIdType:
                guard entity.clientId == nil else { throw ClientQuotaError.invalidRequest("entity type client-id appears twice") }
                entity.clientId = name
            default:
                throw ClientQuotaError.invalidRequest("unknown entity type \(part.entityType); Kairos knows user and client-id")
            }
        }
        var values = clientQuotas.quotas()[entity] ?? [:]
        for op in entry.ops {
            guard let kind = ClientQuotaKind(rawValue: op.key) else {
                let known = ClientQuotaKind.allCases.map(\.key).joined(separator: ", ")
                throw ClientQuotaError.invalidRequest("unknown quota key \(op.key) for \(entity); known keys: \(known)")
            }
            if op.remove {
                values[kind] = nil
            } else if let problem = kind.problem(with: op.value) {
                throw ClientQuotaError.invalidRequest(problem)
            } else {
                values[kind] = op.value
            }
        }
        if validateOnly { return }
        try clientQuotas.store(values, for: entity)
        logger.info("client quotas changed", metadata: ["entity": "\(entity)", "quotas": "\(values.map { "\($0.key.key)=\($0.value)" }.sorted())"])
    }
}

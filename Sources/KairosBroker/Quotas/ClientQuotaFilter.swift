import KafkaProtocol

/// What DescribeClientQuotas asks for (KIP-546): components that each constrain one entity type to an exact name,
/// the type's default, or any name; `strict` leaves out entities that name types the components do not.
public struct ClientQuotaFilter: Sendable {
    /// How one component matches its entity type.
    public enum Match: Sendable, Equatable {
        /// The entity names this exact name.
        case exact(String)
        /// The entity is the type's default.
        case defaultEntity
        /// The entity names the type at all (a name or the default).
        case any
    }

    /// One component: an entity type and how it must match.
    public struct Component: Sendable, Equatable {
        /// `user` or `client-id`.
        public var entityType: String
        /// How it matches.
        public var match: Match

        /// A component.
        public init(entityType: String, match: Match) {
            self.entityType = entityType
            self.match = match
        }
    }

    /// The components.
    public var components: [Component]
    /// Whether entities with other types are left out.
    public var strict: Bool

    /// A filter.
    public init(components: [Component], strict: Bool) {
        self.components = components
        self.strict = strict
    }

    /// The filter of a request, or Kafka's INVALID_REQUEST with a message: an unknown entity type or match type,
    /// an exact match without a name, a type named twice.
    public static func from(_ request: DescribeClientQuotasRequest) -> Result<ClientQuotaFilter, ClientQuotaError> {
        var components: [Component] = []
        for c in request.components {
            guard ClientQuotaError.knownTypes.contains(c.entityType) else {
                return .failure(.invalidRequest("unknown entity type \(c.entityType); Kairos knows user and client-id"))
            }
            guard !components.contains(where: { $0.entityType == c.entityType }) else {
                return .failure(.invalidRequest("entity type \(c.entityType) appears twice in the filter"))
            }
            switch c.matchType {
            case 0:
                guard let name = c.match else { return .failure(.invalidRequest("exact match on \(c.entityType) without a name")) }
                components.append(.init(entityType: c.entityType, match: .exact(name)))
            case 1: components.append(.init(entityType: c.entityType, match: .defaultEntity))
            case 2: components.append(.init(entityType: c.entityType, match: .any))
            default:
                return .failure(.invalidRequest("unknown match type \(c.matchType) for \(c.entityType) (0 exact, 1 default, 2 any)"))
            }
        }
        return .success(ClientQuotaFilter(components: components, strict: request.strict))
    }

    /// True when `entity` passes the filter.
    public func matches(_ entity: ClientQuotaEntity) -> Bool {
        var parts: [String: ClientQuotaEntity.Name] = [:]
        if let user = entity.user { parts[ClientQuotaEntity.userType] = user }
        if let clientId = entity.clientId { parts[ClientQuotaEntity.clientIdType] = clientId }
        for component in components {
            guard let name = parts[component.entityType] else { return false }
            switch component.match {
            case .exact(let wanted): if name != .named(wanted) { return false }
            case .defaultEntity: if name != .default { return false }
            case .any: break
            }
        }
        return !strict || parts.count == components.count
    }
}

/// Why a client-quota request was refused: Kafka's error code and a message naming what was wrong.
public struct ClientQuotaError: Error, Sendable, Equatable {
    /// The Kafka error code.
    public var code: ErrorCode
    /// What was wrong.
    public var message: String

    /// INVALID_REQUEST with `message` (Kafka's answer to bad entities, keys and values).
    public static func invalidRequest(_ message: String) -> ClientQuotaError {
        ClientQuotaError(code: .invalidRequest, message: message)
    }

    /// The entity types Kairos keeps quotas for.
    static let knownTypes: Set<String> = [ClientQuotaEntity.userType, ClientQuotaEntity.clientIdType]
}

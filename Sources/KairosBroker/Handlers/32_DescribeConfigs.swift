// DescribeConfigs (key 32), v0-4. Both resource kinds list every entry of their property registry
// (TopicConfig.registry, BrokerConfig.registry), accepted-but-ignored ones included. Topic resources
// (type 2) give each topic property its effective value: overrides as DYNAMIC_TOPIC_CONFIG, the rest
// as the broker property behind it, with that property's source. Broker resources (type 4) answer for this
// node's id or the empty name (cluster default); a property's source is DYNAMIC_BROKER_CONFIG when set live
// for this broker, DYNAMIC_DEFAULT_BROKER_CONFIG when set live as the cluster default, STATIC_BROKER_CONFIG
// when set in server properties, else DEFAULT_CONFIG; only non-dynamic properties are read-only.
// configuration_keys filters; v1+ synonyms on request (every level holding a value, highest first); v3+ config
// types from the registry. Unknown topics get UNKNOWN_TOPIC_OR_PARTITION, other resource types or broker ids
// INVALID_REQUEST.
import KafkaProtocol
import KairosConfig

extension ApiHandler {
    /// DescribeConfigs.
    static let describeConfigs = ApiHandler.responding(to: DescribeConfigsRequest.self) { broker, request, version in
        broker.handleDescribeConfigs(request, version: version)
    }
}

extension Broker {
    func handleDescribeConfigs(_ request: DescribeConfigsRequest, version: Int16) -> DescribeConfigsResponse {
        let results = request.resources.map { resource -> DescribeConfigsResponse.DescribeConfigsResult in
            var r = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: 0, errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [])
            var entries: [(name: String, value: String?, source: Int8, synonym: String?, type: ConfigValueType, readOnly: Bool)] = []
            let brokerProperties = config.describedProperties()
            // A topic falls back to this broker's value; the cluster-default resource does not see this node's own.
            let brokerResource = resource.resourceType == 4 ? resource.resourceName : dynamicConfig.nodeResource
            switch resource.resourceType {
            case 2:
                guard let topic = topics.topic(resource.resourceName) else {
                    r.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    r.errorMessage = "Topic \(resource.resourceName) does not exist"
                    return r
                }
                for e in topic.config.describe(broker: config) {
                    let property = TopicConfig.registry[e.name]
                    let brokerKey = property?.defaultFrom
                    let source: Int8 = e.isOverride
                        ? ConfigSource.dynamicTopic
                        : (brokerKey.map { dynamicConfig.source(of: $0, resource: brokerResource) } ?? ConfigSource.defaultConfig)
                    entries.append((e.name, e.value, source, brokerKey, property?.type ?? .string, false))
                }
            case 4:
                guard resource.resourceName.isEmpty || resource.resourceName == String(config.nodeId) else {
                    r.errorCode = ErrorCode.invalidRequest.rawValue
                    r.errorMessage = "Unexpected broker id, expected \(config.nodeId) but received \(resource.resourceName)"
                    return r
                }
                let ownConfigs = dynamicConfig.dynamic[dynamicConfig.nodeResource] ?? [:]
                for e in brokerProperties {
                    let source = dynamicConfig.source(of: e.name, resource: brokerResource)
                    // The cluster-default resource shows what holds below this node's own configs.
                    let value = resource.resourceName.isEmpty && ownConfigs[e.name] != nil
                        ? (dynamicConfig.levels(of: e.name, resource: "").first?.value ?? e.value) : e.value
                    entries.append((e.name, value, source, e.name, e.type, !e.isDynamic))
                }
            default:
                r.errorCode = ErrorCode.invalidRequest.rawValue
                r.errorMessage = "Unsupported resource type \(resource.resourceType)"
                return r
            }
            if let keys = resource.configurationKeys, !keys.isEmpty {
                let wanted = Set(keys)
                entries = entries.filter { wanted.contains($0.name) }
            }
            r.configs = entries.map { e in
                var c = DescribeConfigsResponse.DescribeConfigsResourceResult(
                    name: e.name, value: e.value, readOnly: e.readOnly,
                    isDefault: e.source == ConfigSource.defaultConfig, configSource: e.source, isSensitive: false)
                if request.includeSynonyms {
                    c.synonyms = e.source == ConfigSource.dynamicTopic ? [.init(name: e.name, value: e.value, source: e.source)] : []
                    if let key = e.synonym {
                        c.synonyms += dynamicConfig.levels(of: key, resource: brokerResource).map {
                            .init(name: key, value: $0.value, source: $0.source)
                        }
                    } else if c.synonyms.isEmpty {
                        c.synonyms = [.init(name: e.name, value: e.value, source: e.source)]
                    }
                }
                c.configType = e.type.rawValue
                return c
            }
            return r
        }
        return DescribeConfigsResponse(throttleTimeMs: 0, results: results)
    }
}

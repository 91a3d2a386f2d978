// DescribeConfigs (key 32), v0-4. Both resource kinds list every entry of their property registry
// (TopicConfig.registry, BrokerConfig.registry), accepted-but-ignored ones included. Topic resources
// (type 2) give each topic property its effective value: overrides as DYNAMIC_TOPIC_CONFIG, the rest
// as the broker property behind it (STATIC_BROKER_CONFIG when set in server properties, else
// DEFAULT_CONFIG). Broker resources (type 4) answer for this node's id or the empty name (cluster
// default). configuration_keys filters; v1+ synonyms on request; v3+ config types from the registry.
// Unknown topics get UNKNOWN_TOPIC_OR_PARTITION, other resource types or broker ids INVALID_REQUEST.
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
            var entries: [(name: String, value: String?, source: Int8, synonym: String?, type: ConfigValueType)] = []
            let brokerProperties = config.describedProperties()
            switch resource.resourceType {
            case 2:
                guard let topic = topics.topic(resource.resourceName) else {
                    r.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    r.errorMessage = "Topic \(resource.resourceName) does not exist"
                    return r
                }
                let brokerSet = Set(brokerProperties.filter { $0.isSet }.map { $0.name })
                for e in topic.config.describe(broker: config) {
                    let property = TopicConfig.registry[e.name]
                    let brokerKey = property?.defaultFrom
                    let source: Int8 = e.isOverride
                        ? ConfigSource.dynamicTopic
                        : (brokerKey.map { brokerSet.contains($0) } == true ? ConfigSource.staticBroker : ConfigSource.defaultConfig)
                    entries.append((e.name, e.value, source, brokerKey, property?.type ?? .string))
                }
            case 4:
                guard resource.resourceName.isEmpty || resource.resourceName == String(config.nodeId) else {
                    r.errorCode = ErrorCode.invalidRequest.rawValue
                    r.errorMessage = "Unexpected broker id, expected \(config.nodeId) but received \(resource.resourceName)"
                    return r
                }
                for e in brokerProperties {
                    entries.append((e.name, e.value, e.isSet ? ConfigSource.staticBroker : ConfigSource.defaultConfig, nil, e.type))
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
                    name: e.name, value: e.value, readOnly: resource.resourceType == 4,
                    isDefault: e.source == ConfigSource.defaultConfig, configSource: e.source, isSensitive: false)
                if request.includeSynonyms {
                    c.synonyms = [.init(name: e.name, value: e.value, source: e.source)]
                    if e.source == ConfigSource.dynamicTopic, let key = e.synonym,
                       let brokerValue = brokerProperties.first(where: { $0.name == key }) {
                        c.synonyms.append(.init(name: key, value: brokerValue.value,
                                                source: brokerValue.isSet ? ConfigSource.staticBroker : ConfigSource.defaultConfig))
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

// DescribeConfigs (key 32), v0-4. Topic resources (type 2) list every topic property with its
// effective value: overrides as DYNAMIC_TOPIC_CONFIG, the rest as the broker's (STATIC_BROKER_CONFIG
// when set in server properties, else DEFAULT_CONFIG). Broker resources (type 4) answer for this
// node's id or the empty name (cluster default). configuration_keys filters; v1+ synonyms on request;
// v3+ config types. Unknown topics get UNKNOWN_TOPIC_OR_PARTITION, other resource types or broker ids
// INVALID_REQUEST.
import KafkaProtocol

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
            var entries: [(name: String, value: String, source: Int8, synonym: String?)] = []
            switch resource.resourceType {
            case 2:
                guard let topic = topics.topic(resource.resourceName) else {
                    r.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    r.errorMessage = "Topic \(resource.resourceName) does not exist"
                    return r
                }
                let brokerSet = Set(config.describedProperties().filter { $0.isSet }.map { $0.name })
                for e in topic.config.describe(broker: config) {
                    let brokerKey = TopicConfig.brokerDefaultKey[e.name]
                    let source: Int8 = e.isOverride
                        ? ConfigSource.dynamicTopic
                        : (brokerKey.map { brokerSet.contains($0) } == true ? ConfigSource.staticBroker : ConfigSource.defaultConfig)
                    entries.append((e.name, e.value, source, brokerKey))
                }
            case 4:
                guard resource.resourceName.isEmpty || resource.resourceName == String(config.nodeId) else {
                    r.errorCode = ErrorCode.invalidRequest.rawValue
                    r.errorMessage = "Unexpected broker id, expected \(config.nodeId) but received \(resource.resourceName)"
                    return r
                }
                for e in config.describedProperties() {
                    entries.append((e.name, e.value, e.isSet ? ConfigSource.staticBroker : ConfigSource.defaultConfig, nil))
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
                       let brokerValue = config.describedProperties().first(where: { $0.name == key }) {
                        c.synonyms.append(.init(name: key, value: brokerValue.value,
                                                source: brokerValue.isSet ? ConfigSource.staticBroker : ConfigSource.defaultConfig))
                    }
                }
                c.configType = Broker.configType(e.name)
                return c
            }
            return r
        }
        return DescribeConfigsResponse(throttleTimeMs: 0, results: results)
    }

    /// Kafka's ConfigType numbers (v3+): 1 BOOLEAN, 2 STRING, 3 INT, 5 LONG, 7 LIST.
    static func configType(_ name: String) -> Int8 {
        switch name {
        case "auto.create.topics.enable", "delete.topic.enable": return 1
        case "segment.bytes", "segment.index.bytes", "index.interval.bytes", "max.message.bytes", "min.insync.replicas",
             "num.partitions", "message.max.bytes", "log.segment.bytes", "log.index.interval.bytes",
             "log.index.size.max.bytes", "node.id", "broker.id", "fetch.max.bytes", "default.replication.factor":
            return 3
        case "segment.ms", "retention.ms", "retention.bytes", "flush.messages", "flush.ms", "log.roll.ms", "log.retention.ms",
             "log.retention.bytes", "log.flush.interval.messages", "log.flush.interval.ms", "log.retention.check.interval.ms",
             "offsets.retention.minutes":
            return 5
        case "cleanup.policy", "log.cleanup.policy", "log.dirs": return 7
        default: return 2
        }
    }
}

extension BrokerConfig {
    /// The broker's settings as DescribeConfigs reports them: name, value, set explicitly or default.
    public func describedProperties() -> [(name: String, value: String, isSet: Bool)] {
        let values: [(String, String)] = [
            ("node.id", String(nodeId)),
            ("broker.id", String(nodeId)),
            ("num.partitions", String(numPartitions)),
            ("auto.create.topics.enable", String(autoCreateTopicsEnable)),
            ("delete.topic.enable", String(deleteTopicEnable)),
            ("message.max.bytes", String(messageMaxBytes)),
            ("log.dirs", logDir),
            ("log.segment.bytes", String(log.segmentBytes)),
            ("log.roll.ms", String(log.segmentMs)),
            ("log.retention.ms", String(log.retentionMs)),
            ("log.retention.bytes", String(log.retentionBytes)),
            ("log.flush.interval.messages", String(log.flushIntervalMessages)),
            ("log.flush.interval.ms", String(log.flushIntervalMs)),
            ("log.index.interval.bytes", String(log.indexIntervalBytes)),
            ("log.index.size.max.bytes", String(log.segmentIndexBytes)),
            ("log.retention.check.interval.ms", String(retentionCheckIntervalMs)),
            ("log.message.timestamp.type", logAppendTime ? "LogAppendTime" : "CreateTime"),
            ("log.cleanup.policy", "delete"),
            ("compression.type", "producer"),
            ("min.insync.replicas", "1"),
            ("default.replication.factor", "1"),
            ("fetch.max.bytes", String(fetchMaxBytes)),
            ("offsets.retention.minutes", String(offsetsRetentionMinutes)),
        ]
        return values.map { name, value in
            let isSet = givenProperties[name] != nil
                || (name == "log.retention.ms" && (givenProperties["log.retention.hours"] != nil || givenProperties["log.retention.minutes"] != nil))
                || (name == "log.roll.ms" && givenProperties["log.roll.hours"] != nil)
                || (name == "node.id" && givenProperties["broker.id"] != nil)
                || (name == "broker.id" && givenProperties["node.id"] != nil)
                || (name == "log.dirs" && givenProperties["log.dir"] != nil)
            return (name, value, isSet)
        }
    }
}

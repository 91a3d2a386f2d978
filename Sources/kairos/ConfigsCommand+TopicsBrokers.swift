import ArgumentParser
import KairosClient

/// `kairos configs --entity-type topics`.
enum TopicConfigEntities: ConfigEntityKind {
    static func resources(name: String?, isDefault: Bool, validating: Bool) throws -> [ConfigResource] {
        if isDefault { throw ValidationError("topics have no --entity-default (the broker's configs are their defaults)") }
        return name.map { [.topic($0)] } ?? []
    }

    static func describe(_ admin: KafkaAdmin, name: String?, isDefault: Bool, all: Bool) async throws {
        let names: [String]
        if let name { names = [name] } else { names = try await admin.listTopics() }
        for topic in names {
            try await ConfigDescription.print(admin, .topic(topic), all: all, ownSource: .dynamicTopic)
        }
    }

    static func alter(_ admin: KafkaAdmin, name: String?, isDefault: Bool, changes: [ConfigChange]) async throws {
        try await ConfigDescription.alter(admin, .topic(name!), changes)
    }
}

/// `kairos configs --entity-type brokers`: one broker by id, or the cluster default (`--entity-default`).
enum BrokerConfigEntities: ConfigEntityKind {
    static func resources(name: String?, isDefault: Bool, validating: Bool) throws -> [ConfigResource] {
        if isDefault { return [.brokerDefault] }
        guard let name else { return [] }
        guard let id = Int32(name), id >= 0 else { throw ValidationError("broker '\(name)' is not a broker id (a number)") }
        return [.broker(id)]
    }

    static func describe(_ admin: KafkaAdmin, name: String?, isDefault: Bool, all: Bool) async throws {
        var resources = try resources(name: name, isDefault: isDefault, validating: false)
        if resources.isEmpty {
            let metadata = try await admin.cluster.refreshMetadata(topics: [])
            resources = metadata.brokers.keys.sorted().map { .broker($0) }
        }
        for resource in resources {
            let own: ConfigEntrySource = resource == .brokerDefault ? .dynamicDefaultBroker : .dynamicBroker
            try await ConfigDescription.print(admin, resource, all: all, ownSource: own)
        }
    }

    static func alter(_ admin: KafkaAdmin, name: String?, isDefault: Bool, changes: [ConfigChange]) async throws {
        let resource = try resources(name: name, isDefault: isDefault, validating: false)[0]
        try await ConfigDescription.alter(admin, resource, changes)
    }
}

/// Printing and changing configs the way kafka-configs.sh does.
enum ConfigDescription {
    /// Prints `resource`'s configs: the ones set on it (`ownSource`), or with `all` every one; each with its
    /// source and the values behind it.
    static func print(_ admin: KafkaAdmin, _ resource: ConfigResource, all: Bool, ownSource: ConfigEntrySource) async throws {
        let entries = try await admin.describeConfigs(resource, synonyms: true)
        let shown = all ? entries : entries.filter { $0.source == ownSource }
        Swift.print("\(all ? "All" : "Dynamic") configs for \(resource) are:")
        for e in shown {
            let synonyms = e.synonyms.map { "\($0.source):\($0.name)=\($0.value ?? "null")" }.joined(separator: ", ")
            Swift.print("  \(e.name)=\(e.isSensitive ? "sensitive" : (e.value ?? "null")) sensitive=\(e.isSensitive) synonyms={\(synonyms)}")
        }
    }

    /// Applies `changes` to `resource` (all or none) and says so.
    static func alter(_ admin: KafkaAdmin, _ resource: ConfigResource, _ changes: [ConfigChange]) async throws {
        try await admin.incrementalAlterConfigs(resource, changes)
        Swift.print("Completed updating config for \(resource).")
    }
}

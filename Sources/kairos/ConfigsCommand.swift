import ArgumentParser
import KairosClient
import KairosPerf

/// `kairos configs`: describe and change topic and broker configs, as kafka-configs.sh does.
///
/// Each entity type is served by a `ConfigEntityKind` (topics and brokers in `ConfigsCommand+TopicsBrokers.swift`,
/// client quotas in `ConfigsCommand+Quotas.swift`), so a new kind adds a file and one line in `ConfigEntityType.kind`.
struct ConfigsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configs",
        abstract: "Describe or change topic and broker configs and client quotas (like kafka-configs.sh).",
        discussion: """
            Changes use IncrementalAlterConfigs: --add-config sets, --delete-config returns a config to its
            default; nothing changes when the broker refuses one of them. Client quotas (--entity-type clients or
            users) use DescribeClientQuotas / AlterClientQuotas with the keys producer_byte_rate,
            consumer_byte_rate and request_percentage.

            Examples:
              kairos configs --bootstrap-server 127.0.0.1:9092 --entity-type topics --entity-name orders --describe
              kairos configs --bootstrap-server 127.0.0.1:9092 --topic orders --describe --all
              kairos configs --bootstrap-server 127.0.0.1:9092 --topic orders --alter \\
                  --add-config retention.ms=3600000,cleanup.policy=[compact,delete] --delete-config segment.ms
              kairos configs --bootstrap-server 127.0.0.1:9092 --broker 1 --alter --add-config log.retention.ms=600000
              kairos configs --bootstrap-server 127.0.0.1:9092 --entity-type brokers --entity-default --describe
              kairos configs --bootstrap-server 127.0.0.1:9092 --entity-type clients --entity-name app1 --alter \
                  --add-config producer_byte_rate=1048576,consumer_byte_rate=2097152 --delete-config request_percentage
              kairos configs --bootstrap-server 127.0.0.1:9092 --entity-type users --entity-default --describe
            """)

    @OptionGroup var client: ClientOptions

    @Option(name: .customLong("entity-type"), help: "topics, brokers (clients and users: client quotas).")
    var entityType: String?
    @Option(name: .customLong("entity-name"), help: "The topic name, broker id, client id or user.") var entityName: String?
    @Flag(name: .customLong("entity-default"), help: "The default entity (brokers, clients, users).") var entityDefault = false
    @Option(help: "Short for --entity-type topics --entity-name TOPIC.") var topic: String?
    @Option(help: "Short for --entity-type brokers --entity-name ID.") var broker: String?

    @Flag(help: "Show the configs set for the entity.") var describe = false
    @Flag(help: "With --describe: every config, defaults included.") var all = false
    @Flag(help: "Change configs with --add-config / --delete-config.") var alter = false
    @Option(name: .customLong("add-config"), help: "k1=v1,k2=[a,b]: configs to set (a list value in brackets).")
    var addConfig: [String] = []
    @Option(name: .customLong("delete-config"), help: "k1,k2: configs to return to their defaults.")
    var deleteConfig: [String] = []

    /// The entity the options name, checked.
    func entity() throws -> (type: ConfigEntityType, name: String?, isDefault: Bool) {
        var type = try entityType.map { text -> ConfigEntityType in
            guard let type = ConfigEntityType(rawValue: text) else {
                throw ValidationError("--entity-type \(text) is not one of \(ConfigEntityType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return type
        }
        var name = entityName
        for (shortcut, value) in [(ConfigEntityType.topics, topic), (.brokers, broker)] {
            guard let value else { continue }
            if let type, type != shortcut { throw ValidationError("--\(shortcut.singular) does not go with --entity-type \(type.rawValue)") }
            if name != nil { throw ValidationError("give the name once: --entity-name or --\(shortcut.singular)") }
            type = shortcut
            name = value
        }
        guard let type else { throw ValidationError("give --entity-type (topics, brokers), or --topic / --broker") }
        if entityDefault && name != nil { throw ValidationError("--entity-default and a name do not go together") }
        return (type, name, entityDefault)
    }

    func validate() throws {
        guard describe != alter else { throw ValidationError("give exactly one of --describe, --alter") }
        let (type, name, isDefault) = try entity()
        if all && !describe { throw ValidationError("--all goes with --describe") }
        let isQuota = type == .clients || type == .users
        if all && isQuota { throw ValidationError("--all goes with topics and brokers (quotas have no defaults to list)") }
        if describe && !(addConfig.isEmpty && deleteConfig.isEmpty) {
            throw ValidationError("--add-config and --delete-config go with --alter")
        }
        if alter {
            if addConfig.isEmpty && deleteConfig.isEmpty { throw ValidationError("--alter needs --add-config or --delete-config") }
            if name == nil && !isDefault { throw ValidationError("--alter needs --entity-name (or --entity-default)") }
            let changes = try self.changes()
            let names = changes.map(\.name)
            if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
                throw ValidationError("\(twice) is named twice (in --add-config or --delete-config)")
            }
            if isQuota { _ = try QuotaConfigs.alteration(of: .client(nil), changes) }
        }
        _ = try type.kind.resources(name: name, isDefault: isDefault, validating: true)
    }

    /// The changes --add-config and --delete-config ask for.
    func changes() throws -> [ConfigChange] {
        var changes: [ConfigChange] = []
        for text in addConfig {
            for (key, value) in try ConfigAssignments.parse(text) { changes.append(.set(key, value)) }
        }
        for text in deleteConfig {
            for key in text.split(separator: ",").map({ String($0).trimmingCharacters(in: " ") }) {
                guard !key.isEmpty else { throw ValidationError("--delete-config '\(text)' has an empty name") }
                changes.append(.delete(key))
            }
        }
        return changes
    }

    func run() async throws {
        let (type, name, isDefault) = try entity()
        let admin = KafkaAdmin(config: try client.clientConfig())
        do {
            if describe {
                try await type.kind.describe(admin, name: name, isDefault: isDefault, all: all)
            } else {
                try await type.kind.alter(admin, name: name, isDefault: isDefault, changes: try changes())
            }
        } catch let error as KafkaClientError {
            await admin.close()
            throw CLIError("\(error)")
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}

/// The entity types of `kairos configs`, with kafka-configs.sh's names.
enum ConfigEntityType: String, CaseIterable {
    case topics, brokers, clients, users

    /// The one-entity word (`--topic`, `--broker`).
    var singular: String { String(rawValue.dropLast()) }

    /// What serves this type.
    var kind: any ConfigEntityKind.Type {
        switch self {
        case .topics: return TopicConfigEntities.self
        case .brokers: return BrokerConfigEntities.self
        case .clients: return ClientQuotaEntities.self
        case .users: return UserQuotaEntities.self
        }
    }
}

/// How `kairos configs` describes and changes one entity type.
protocol ConfigEntityKind {
    /// The resources the options name (`validating`: only check the names, without asking the cluster).
    static func resources(name: String?, isDefault: Bool, validating: Bool) throws -> [ConfigResource]
    /// Prints the configs of the named entity (or of every entity of the type, without a name).
    static func describe(_ admin: KafkaAdmin, name: String?, isDefault: Bool, all: Bool) async throws
    /// Applies `changes` to the named entity and says so.
    static func alter(_ admin: KafkaAdmin, name: String?, isDefault: Bool, changes: [ConfigChange]) async throws
}

/// `--add-config` text: `k1=v1,k2=[a,b]`, a comma inside brackets belonging to the value (a list).
enum ConfigAssignments {
    /// The pairs in `text`, in order; throws a usage error naming the part that is not `key=value`.
    static func parse(_ text: String) throws -> [(String, String)] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "[" { depth += 1 }
            if c == "]" { depth -= 1 }
            if c == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        guard depth == 0 else { throw ValidationError("--add-config '\(text)' has an unclosed '['") }
        return try parts.map { part in
            guard let equals = part.firstIndex(of: "="), equals != part.startIndex else {
                throw ValidationError("--add-config part '\(part)' is not key=value")
            }
            let key = String(part[..<equals]).trimmingCharacters(in: " ")
            var value = String(part[part.index(after: equals)...]).trimmingCharacters(in: " ")
            if value.hasPrefix("["), value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
            return (key, value)
        }
    }
}

extension String {
    /// This text without `characters` at either end.
    func trimmingCharacters(in characters: Character) -> String {
        var s = Substring(self)
        while s.first == characters { s = s.dropFirst() }
        while s.last == characters { s = s.dropLast() }
        return String(s)
    }
}

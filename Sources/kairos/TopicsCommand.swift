import ArgumentParser
import KafkaProtocol
import KairosClient
import KairosPerf

/// `kairos topics`: create, list, describe, delete and grow topics, as kafka-topics.sh does.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create, list, describe, delete or alter topics (like kafka-topics.sh).",
        discussion: """
            Examples:
              kairos topics --bootstrap-server 127.0.0.1:9092 --create --topic orders --partitions 3
              kairos topics --bootstrap-server 127.0.0.1:9092 --list
              kairos topics --bootstrap-server 127.0.0.1:9092 --describe --topic orders
              kairos topics --bootstrap-server 127.0.0.1:9092 --alter --topic orders --partitions 6
              kairos topics --bootstrap-server 127.0.0.1:9092 --delete --topic orders
            """)

    @OptionGroup var client: ClientOptions

    @Flag(help: "Create --topic.") var create = false
    @Flag(help: "List topic names.") var list = false
    @Flag(help: "Describe --topic (or every topic).") var describe = false
    @Flag(help: "Delete --topic.") var delete = false
    @Flag(help: "Grow --topic to --partitions.") var alter = false

    @Option(help: "The topic.") var topic: String?
    @Option(help: "Partition count (create: default the broker's num.partitions).") var partitions: Int32?
    @Option(name: .customLong("replication-factor"), help: "Replicas per partition (create).") var replicationFactor: Int16?
    @Option(help: "key=value topic configuration (create); repeatable.") var config: [String] = []
    @Flag(name: .customLong("if-not-exists"), help: "With --create: no error if the topic exists.") var ifNotExists = false
    @Flag(name: .customLong("if-exists"), help: "With --delete or --alter: no error if the topic is missing.") var ifExists = false

    func validate() throws {
        let actions = [create, list, describe, delete, alter].filter { $0 }.count
        guard actions == 1 else { throw ValidationError("give exactly one of --create, --list, --describe, --delete, --alter") }
        if (create || delete || alter) && topic == nil { throw ValidationError("--topic is required") }
        if alter && partitions == nil { throw ValidationError("--alter needs --partitions") }
    }

    func run() async throws {
        let admin = KafkaAdmin(config: try client.clientConfig())
        do {
            try await perform(admin)
        } catch let error as KafkaClientError {
            await admin.close()
            throw CLIError("\(error)")
        }
        await admin.close()
    }

    private func perform(_ admin: KafkaAdmin) async throws {
        if create {
            var configs: [String: String] = [:]
            for pair in config {
                let (key, value) = try ClientOptions.split(pair)
                configs[key] = value
            }
            do {
                try await admin.createTopic(topic!, partitions: partitions ?? -1, replicationFactor: replicationFactor ?? -1,
                                            configs: configs)
                print("Created topic \(topic!).")
            } catch let error as KafkaClientError where ifNotExists && error.errorCode == .topicAlreadyExists {}
        } else if list {
            for name in try await admin.listTopics() { print(name) }
        } else if describe {
            let topics = try await admin.describeTopics(topic.map { [$0] })
            for t in topics {
                let replication = t.partitions.first?.replicas.count ?? 0
                print("Topic: \(t.name)\tPartitionCount: \(t.partitions.count)\tReplicationFactor: \(replication)")
                for p in t.partitions {
                    let replicas = p.replicas.map(String.init).joined(separator: ",")
                    let isr = p.isr.map(String.init).joined(separator: ",")
                    print("\tTopic: \(t.name)\tPartition: \(p.id)\tLeader: \(p.leaderId)\tReplicas: \(replicas)\tIsr: \(isr)")
                }
            }
        } else if delete {
            do {
                try await admin.deleteTopics([topic!])
                print("Deleted topic \(topic!).")
            } catch let error as KafkaClientError where ifExists && error.errorCode == .unknownTopicOrPartition {}
        } else if alter {
            do {
                try await admin.createPartitions(topic: topic!, totalCount: partitions!)
                print("Topic \(topic!) now has \(partitions!) partitions.")
            } catch let error as KafkaClientError where ifExists && error.errorCode == .unknownTopicOrPartition {}
        }
    }
}

import ArgumentParser
import KafkaProtocol
import KairosClient
import KairosPerf

/// `kairos groups`: list, describe, reset the offsets of and delete consumer groups, as kafka-consumer-groups.sh.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "List, describe, reset offsets of or delete consumer groups (like kafka-consumer-groups.sh).",
        discussion: """
            --reset-offsets only shows the new offsets unless --execute is given, and is refused while the group
            has members (as Kafka does). --to-datetime takes ISO 8601 (2026-01-31T12:00:00.000, UTC unless a
            zone such as +02:00 or Z is given). A reset offset is kept between the partition's earliest and
            latest offsets.

            Examples:
              kairos groups --bootstrap-server 127.0.0.1:9092 --list
              kairos groups --bootstrap-server 127.0.0.1:9092 --describe --group billing
              kairos groups --bootstrap-server 127.0.0.1:9092 --reset-offsets --group billing --topic orders:0,1 \\
                  --to-earliest --execute
              kairos groups --bootstrap-server 127.0.0.1:9092 --delete --group billing
            """)

    @OptionGroup var client: ClientOptions

    @Flag(help: "List the groups.") var list = false
    @Flag(help: "Describe --group: partitions with committed offset, end offset and lag.") var describe = false
    @Flag(name: .customLong("reset-offsets"), help: "Reset --group's committed offsets.") var resetOffsets = false
    @Flag(help: "Delete --group (and its committed offsets).") var delete = false

    @Option(help: "The group (repeatable with --describe and --delete).") var group: [String] = []
    @Flag(help: "With --describe: the members (id, host, client id, partition count).") var members = false
    @Flag(help: "With --describe: the group's state, assignor and member count.") var state = false

    @Option(help: "With --reset-offsets: TOPIC or TOPIC:P1,P2 (repeatable).") var topic: [String] = []
    @Flag(name: .customLong("all-topics"), help: "With --reset-offsets: every topic the group has committed.") var allTopics = false
    @Flag(name: .customLong("to-earliest")) var toEarliest = false
    @Flag(name: .customLong("to-latest")) var toLatest = false
    @Option(name: .customLong("to-datetime"), help: "The first offset at or after this time.") var toDatetime: String?
    @Option(name: .customLong("shift-by"), parsing: .unconditional, help: "Move the committed offset by N (negative: back).") var shiftBy: Int64?
    @Option(name: .customLong("to-offset"), parsing: .unconditional, help: "This offset.") var toOffset: Int64?
    @Flag(name: .customLong("dry-run"), help: "Show the new offsets only (the default).") var dryRun = false
    @Flag(help: "Commit the new offsets.") var execute = false

    func validate() throws {
        let actions = [list, describe, resetOffsets, delete].filter { $0 }.count
        guard actions == 1 else { throw ValidationError("give exactly one of --list, --describe, --reset-offsets, --delete") }
        if !list && group.isEmpty { throw ValidationError("--group is required") }
        if resetOffsets && group.count > 1 { throw ValidationError("--reset-offsets takes one --group") }
        if (members || state) && !describe { throw ValidationError("--members and --state go with --describe") }
        if members && state { throw ValidationError("give one of --members, --state") }
        let hasSpec = try resetSpec() != nil
        let resetOnly = !topic.isEmpty || allTopics || hasSpec || dryRun || execute
        if resetOnly && !resetOffsets {
            throw ValidationError("--topic, --all-topics, --to-*, --shift-by, --dry-run and --execute go with --reset-offsets")
        }
        if resetOffsets {
            if try resetSpec() == nil {
                throw ValidationError("--reset-offsets needs one of --to-earliest, --to-latest, --to-datetime, --shift-by, --to-offset")
            }
            if topic.isEmpty == !allTopics { throw ValidationError("--reset-offsets needs --topic or --all-topics (one of them)") }
            if dryRun && execute { throw ValidationError("give one of --dry-run, --execute") }
            _ = try topic.map(ResetTarget.init(parsing:))
        }
    }

    /// The reset the options ask for; throws when more than one is given or a time does not parse.
    func resetSpec() throws -> OffsetReset? {
        var specs: [OffsetReset] = []
        if toEarliest { specs.append(.earliest) }
        if toLatest { specs.append(.latest) }
        if let toDatetime { specs.append(.datetime(try OffsetReset.parseTime(toDatetime))) }
        if let shiftBy { specs.append(.shift(shiftBy)) }
        if let toOffset {
            guard toOffset >= 0 else { throw ValidationError("--to-offset \(toOffset) is negative") }
            specs.append(.offset(toOffset))
        }
        guard specs.count <= 1 else { throw ValidationError("give one of --to-earliest, --to-latest, --to-datetime, --shift-by, --to-offset") }
        return specs.first
    }

    func run() async throws {
        let admin = KafkaAdmin(config: try client.clientConfig())
        do {
            if list {
                for g in try await admin.listGroups() { print(g.groupId) }
            } else if describe {
                for g in group { try await GroupDescriber(admin: admin, group: g).print(members: members, state: state) }
            } else if resetOffsets {
                let targets = try topic.map(ResetTarget.init(parsing:))
                try await OffsetResetter(admin: admin, group: group[0]).run(
                    targets: allTopics ? nil : targets, reset: try resetSpec()!, execute: execute)
            } else if delete {
                try await deleteGroups(admin)
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

    private func deleteGroups(_ admin: KafkaAdmin) async throws {
        let results = try await admin.deleteGroups(group)
        let failed = group.filter { results[$0] != ErrorCode.none }
        let deleted = group.filter { results[$0] == ErrorCode.none }
        if !deleted.isEmpty {
            print("Deletion of requested consumer groups (\(deleted.map { "'\($0)'" }.joined(separator: ", "))) was successful.")
        }
        guard failed.isEmpty else {
            throw CLIError(failed.map { g -> String in
                let code = results[g] ?? .unknownServerError
                let why = code == .nonEmptyGroup ? "the group is not empty (it has members)"
                    : code == .groupIdNotFound ? "the group does not exist" : "\(code)"
                return "Deletion of consumer group '\(g)' failed: \(why)."
            }.joined(separator: "\n"))
        }
    }
}

/// Prints rows under headers in aligned columns, as Kafka's tools do.
func printTable(_ headers: [String], _ rows: [[String]]) {
    let widths = headers.indices.map { i in ([headers[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
    for row in [headers] + rows {
        print(row.indices.map { i in i == row.count - 1 ? row[i] : row[i].padding(to: widths[i] + 1) }.joined(separator: " "))
    }
}

extension String {
    /// This text padded with spaces to `width` characters.
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

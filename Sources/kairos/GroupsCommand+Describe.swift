import KairosClient

/// `kairos groups --describe`: a group's partitions (committed offset, end offset, lag and the member that has
/// each), its members, or its state.
struct GroupDescriber {
    let admin: KafkaAdmin
    let group: String

    func print(members: Bool, state: Bool) async throws {
        guard let description = try await admin.describeGroups([group]).first else {
            throw CLIError("Consumer group '\(group)' was not described by its coordinator.")
        }
        if description.error != .none { throw CLIError("Consumer group '\(group)': \(description.error)") }
        let committed = try await admin.listGroupOffsets(group)
        if description.state == "Dead" || (description.state.isEmpty && committed.isEmpty) {
            throw CLIError("Consumer group '\(group)' does not exist.")
        }
        if state {
            printTable(["GROUP", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"],
                       [[group, description.protocolName.isEmpty ? "-" : description.protocolName, description.state,
                         String(description.members.count)]])
            return
        }
        if description.members.isEmpty {
            Swift.print("Consumer group '\(group)' has no active members.\n")
        }
        if members {
            printTable(["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"], description.members.map {
                [group, $0.memberId, $0.clientHost, $0.clientId, String($0.assignment.count)]
            })
            return
        }
        var owner: [TopicPartition: GroupDescription.Member] = [:]
        for m in description.members { for tp in m.assignment { owner[tp] = m } }
        let partitions = Set(committed.keys).union(owner.keys).sorted()
        let ends = try await admin.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, OffsetSpec.latest) }))
        let rows = partitions.map { tp -> [String] in
            let current = committed[tp]
            let end = ends[tp]?.offset
            let lag = current.flatMap { c in end.map { String(max(0, $0 - c)) } } ?? "-"
            let m = owner[tp]
            return [group, tp.topic, String(tp.partition), current.map(String.init) ?? "-", end.map(String.init) ?? "-", lag,
                    m?.memberId ?? "-", m?.clientHost ?? "-", m?.clientId ?? "-"]
        }
        printTable(["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"],
                   rows)
    }
}

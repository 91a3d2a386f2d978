import KafkaProtocol
import NIOCore
import XCTest

@testable import KairosBroker

/// Seeded, replayable runs of many clients against the coordinator on a virtual clock: members join,
/// leave, crash, stall and arrive at random for a while; then the survivors behave. Every run must
/// settle into one Stable generation of exactly the live members, with every partition owned once,
/// every request answered exactly once, and generations that only move forward.
final class GroupSimulationTests: XCTestCase {
    static let partitions: Int32 = 6
    static let sessionMs: Int32 = 3_000
    static let rebalanceMs: Int32 = 5_000
    static let heartbeatMs: Int64 = 500

    /// A client as librdkafka or the Java client behaves, reduced to the group protocol.
    struct SimClient {
        let name: String
        var memberId = ""
        var generation: Int32 = -1
        var crashed = false
        var left = false
        var pausedUntilMs: Int64 = 0
        var outstanding: GroupReplyToken?
        var stable = false
        var assignment: Set<Int32> = []
        var nextHeartbeatMs: Int64 = 0
        var wantsJoin = true
        var alive: Bool { !crashed && !left }
    }

    func testSeededRunsSettleIntoOneStableGeneration() {
        for seed in UInt64(1)...24 {
            runSimulation(seed: seed)
        }
    }

    private func runSimulation(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var config = GroupConfig.testing
        config.initialRebalanceDelayMs = 500
        var d = GroupDriver(config: config)
        var clients: [SimClient] = (0..<4).map { SimClient(name: "c\($0)") }
        var lastGeneration: Int32 = 0
        let chaosEndMs = d.now + 30_000
        let endMs = chaosEndMs + 60_000
        var created = clients.count
        let context = "seed \(seed)"

        while d.now < endMs {
            // Chaos: at random, a member crashes, leaves, stalls for longer than its session, or arrives.
            if d.now < chaosEndMs && rng.next() % 1000 < 4 {
                let alive = clients.indices.filter { clients[$0].alive }
                switch rng.next() % 4 {
                case 0 where alive.count > 1:
                    clients[alive[Int(rng.next() % UInt64(alive.count))]].crashed = true
                case 1 where alive.count > 1:
                    let i = alive[Int(rng.next() % UInt64(alive.count))]
                    if !clients[i].memberId.isEmpty && clients[i].outstanding == nil {
                        _ = d.leave("g", members: [(clients[i].memberId, nil)])
                    }
                    clients[i].left = true
                case 2 where !alive.isEmpty:
                    let i = alive[Int(rng.next() % UInt64(alive.count))]
                    clients[i].pausedUntilMs = d.now + Int64(rng.next() % UInt64(2 * Self.sessionMs))
                default:
                    if clients.count < 10 {
                        clients.append(SimClient(name: "c\(created)"))
                        created += 1
                    }
                }
            }
            for i in clients.indices where clients[i].alive && d.now >= clients[i].pausedUntilMs {
                step(&clients[i], &d, rng: &rng)
            }
            XCTAssertTrue(d.answeredTwice.isEmpty, "\(context): a request was answered twice")
            let generation = d.group("g")?.generationId ?? lastGeneration
            XCTAssertGreaterThanOrEqual(generation, lastGeneration, "\(context): generation went back")
            lastGeneration = generation
            // Members of one generation never own the same partition.
            var owners: [Int32: String] = [:]
            for c in clients where c.alive && c.stable && c.generation == generation {
                for p in c.assignment {
                    XCTAssertNil(owners[p], "\(context): partition \(p) owned by \(owners[p] ?? "") and \(c.name)")
                    owners[p] = c.name
                }
            }
            d.advance(10)
        }

        let group = d.group("g")
        let live = clients.filter(\.alive)
        XCTAssertEqual(group?.state, .stable, "\(context): did not settle")
        XCTAssertEqual(Set(group?.members.keys.map { $0 } ?? []), Set(live.map(\.memberId)), "\(context): members")
        XCTAssertTrue(live.allSatisfy { $0.stable && $0.generation == group?.generationId }, "\(context): a member is behind")
        let owned = live.flatMap(\.assignment).sorted()
        XCTAssertEqual(owned, Array(0..<Self.partitions), "\(context): partitions \(owned)")
        for c in live { XCTAssertNil(c.outstanding, "\(context): \(c.name) still waits for an answer") }
    }

    /// One client's turn: handle the answer to its request if there is one, else send what is due.
    private func step(_ c: inout SimClient, _ d: inout GroupDriver, rng: inout SplitMix64) {
        if let token = c.outstanding {
            guard let reply = d.replies[token] else { return }
            c.outstanding = nil
            handle(reply, &c, &d)
        }
        guard c.outstanding == nil else { return }
        if c.wantsJoin {
            c.stable = false
            c.wantsJoin = false
            c.outstanding = d.join("g", member: c.memberId, client: c.name, sessionMs: Self.sessionMs, rebalanceMs: Self.rebalanceMs)
            if let reply = d.replies[c.outstanding!] {
                c.outstanding = nil
                handle(reply, &c, &d)
            }
        } else if c.stable && d.now >= c.nextHeartbeatMs {
            let code = d.heartbeat("g", member: c.memberId, generation: c.generation)
            c.nextHeartbeatMs = d.now + Self.heartbeatMs
            switch code {
            case .none: break
            case .unknownMemberId:
                c.memberId = ""
                c.wantsJoin = true
            default:
                c.wantsJoin = true
            }
        }
    }

    private func handle(_ reply: GroupReply, _ c: inout SimClient, _ d: inout GroupDriver) {
        switch reply {
        case .join(let out):
            switch out.error {
            case .none:
                c.memberId = out.memberId
                c.generation = out.generationId
                var assignments: [(String, String)] = []
                if out.leaderId == out.memberId {
                    let ids = out.members.map(\.memberId).sorted()
                    var byMember: [String: [Int32]] = [:]
                    for p in 0..<Self.partitions { byMember[ids[Int(p) % ids.count], default: []].append(p) }
                    assignments = ids.map { ($0, (byMember[$0] ?? []).map(String.init).joined(separator: ",")) }
                }
                c.outstanding = d.sync("g", member: c.memberId, generation: c.generation, assignments: assignments)
                if let r = d.replies[c.outstanding!] {
                    c.outstanding = nil
                    handle(r, &c, &d)
                }
            case .memberIdRequired:
                c.memberId = out.memberId
                c.wantsJoin = true
            case .unknownMemberId:
                c.memberId = ""
                c.wantsJoin = true
            default:
                c.wantsJoin = true
            }
        case .sync(let out):
            switch out.error {
            case .none:
                c.stable = true
                c.assignment = Set(out.assignment.string.split(separator: ",").compactMap { Int32($0) })
                c.nextHeartbeatMs = d.now + Self.heartbeatMs
            case .unknownMemberId:
                c.memberId = ""
                c.wantsJoin = true
            default:
                c.wantsJoin = true
            }
        default:
            XCTFail("unexpected reply \(reply)")
        }
    }
}

/// A small seeded generator (SplitMix64), so every run replays exactly.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The state of one pool member.
public enum PoolMemberState: String, Sendable, Hashable {
    /// No producer: never started, or drained and closed. May be started (again) by a resize.
    case closed
    /// Takes new records.
    case active
    /// Retired: takes no new records and finishes those it holds; closed once it holds none.
    case draining
}

/// Decides which member a record goes to, and which members a resize starts, re-activates or retires. No I/O and
/// no clock: loads come in as functions, so the rules are checked without a broker.
///
/// Keyed records are routed through one of `slotCount` slots (a hash of the key): a slot is pinned to the member
/// it last sent through while any of its records are unfinished there, so a key's records never overtake each
/// other across members. A slot with nothing unfinished is free to move: it keeps its member unless the active
/// set changed since it was placed (or its member is no longer active), and then goes to the least-loaded active
/// member. Keyless records go to the least-loaded active member, ties in turn.
struct PoolRouter {
    /// Where a record goes.
    enum Route: Hashable {
        /// To this member.
        case member(Int)
        /// Its key's slot still has records in a draining member: try again once they are done.
        case wait
        /// The pool is closed.
        case closed
    }

    /// What a resize does, member by member.
    struct ResizePlan: Equatable {
        /// Draining members made active again (their producer is still open).
        var reactivated: [Int] = []
        /// Closed members to start with a new producer.
        var started: [Int] = []
        /// Active members to retire.
        var retired: [Int] = []
    }

    /// Slots keys hash to; a power of two. Many more than members, so keys spread, few enough to keep per-slot
    /// counters in a flat array.
    static let slotCount = 4096

    private(set) var states: [PoolMemberState]
    /// The active members, in index order (the routing loop's list).
    private(set) var active: [Int] = []
    private var slotOwner: [Int]
    /// The active set's version when each slot was last placed.
    private var slotEpoch: [UInt32]
    private var epoch: UInt32 = 1
    private var cursor = 0
    /// True once the pool is closing: every route is `.closed`.
    var isClosed = false

    init(memberCount: Int) {
        states = Array(repeating: .closed, count: memberCount)
        slotOwner = Array(repeating: -1, count: Self.slotCount)
        slotEpoch = Array(repeating: 0, count: Self.slotCount)
    }

    /// The slot of a key: the low bits of its murmur2 hash (the Java client's key hash).
    static func slot(ofKey key: UnsafeRawBufferPointer) -> Int {
        Int(UInt32(bitPattern: Murmur2.hash(key)) & UInt32(slotCount - 1))
    }

    /// Where a record with key slot `slot` (nil: no key) goes. `memberLoad(i)` is member i's unfinished records,
    /// `slotInFlight(s)` slot s's. The caller counts the record as unfinished before releasing its lock.
    mutating func route(slot: Int?, memberLoad: (Int) -> Int, slotInFlight: (Int) -> Int) -> Route {
        if isClosed { return .closed }
        guard let slot else { return .member(leastLoaded(memberLoad)) }
        let owner = slotOwner[slot]
        if owner >= 0 && slotInFlight(slot) > 0 {
            // Pinned: its earlier records are not finished, and they are all on `owner`.
            return states[owner] == .active ? .member(owner) : .wait
        }
        if owner >= 0 && states[owner] == .active && slotEpoch[slot] == epoch { return .member(owner) }
        let chosen = leastLoaded(memberLoad)
        slotOwner[slot] = chosen
        slotEpoch[slot] = epoch
        return .member(chosen)
    }

    /// The active member with the fewest unfinished records; among equals, the next in turn.
    private mutating func leastLoaded(_ memberLoad: (Int) -> Int) -> Int {
        let count = active.count
        if count == 1 { return active[0] }
        var best = active[cursor % count]
        var bestLoad = memberLoad(best)
        for step in 1..<count where bestLoad > 0 {
            let candidate = active[(cursor + step) % count]
            let load = memberLoad(candidate)
            if load < bestLoad { best = candidate; bestLoad = load }
        }
        cursor = (cursor + 1) % count
        return best
    }

    /// What resizing to `target` active members does: growing re-activates draining members first (their
    /// connections are warm), then starts closed ones, lowest index first; shrinking retires the highest active.
    func plan(resizeTo target: Int) -> ResizePlan {
        var plan = ResizePlan()
        var missing = target - active.count
        if missing < 0 {
            plan.retired = Array(active.suffix(-missing).reversed())
            return plan
        }
        for index in states.indices where missing > 0 && states[index] == .draining {
            plan.reactivated.append(index)
            missing -= 1
        }
        for index in states.indices where missing > 0 && states[index] == .closed {
            plan.started.append(index)
            missing -= 1
        }
        return plan
    }

    /// Applies a plan; every slot may then move once it has nothing unfinished.
    mutating func apply(_ plan: ResizePlan) {
        for index in plan.reactivated + plan.started { states[index] = .active }
        for index in plan.retired { states[index] = .draining }
        active = states.indices.filter { states[$0] == .active }
        cursor = 0
        epoch &+= 1
    }

    /// Marks a draining member closed once it has no unfinished records; false when it is not draining (it was
    /// re-activated) or still holds records.
    mutating func finishDrain(_ index: Int, unfinished: Int) -> Bool {
        guard states[index] == .draining, unfinished == 0 else { return false }
        states[index] = .closed
        return true
    }
}

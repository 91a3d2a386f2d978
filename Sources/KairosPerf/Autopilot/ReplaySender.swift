import KairosClient
import NIOConcurrencyHelpers
import NIOCore

/// Sends a replay's records through the pool as they come due, no faster than the capacity gate lets the active
/// members send. Records that wait for capacity wait in the application, as they would behind a quota, and their
/// latency counts from their due time. It also tells the control loop whether the members were saturated (held
/// back by the gate without ever catching up) during the last interval.
final class ReplaySender: Sendable {
    private struct State {
        var sent = 0
        var unsent = 0
        var bufferExhausted = 0
        var firstError: String?
        var throttled = false
        var caughtUp = false
    }

    private let pool: ProducerPool
    private let schedule: ReplaySchedule
    private let topic: String
    private let recordSizeBytes: Int
    private let gate: NIOLockedValueBox<ReplayCapacityGate>
    private let recorder: PerfRecorder
    private let peakRecorder: PerfRecorder
    private let peaks: [Bool]
    private let state = NIOLockedValueBox(State())

    init(pool: ProducerPool, schedule: ReplaySchedule, topic: String, recordSizeBytes: Int, gate: ReplayCapacityGate,
         recorder: PerfRecorder, peakRecorder: PerfRecorder, peaks: [Bool]) {
        self.pool = pool
        self.schedule = schedule
        self.topic = topic
        self.recordSizeBytes = recordSizeBytes
        self.gate = NIOLockedValueBox(gate)
        self.recorder = recorder
        self.peakRecorder = peakRecorder
        self.peaks = peaks
    }

    /// Sends every record of the schedule (or stops when cancelled).
    func run() async {
        let value = ByteBuffer(repeating: UInt8(ascii: "k"), count: recordSizeBytes)
        let bytes = recordSizeBytes
        var next = 0
        var interval = 0
        while next < schedule.total, !Task.isCancelled {
            let now = perfNowNanos()
            let due = schedule.dueCount(atNanos: now)
            if due <= next {
                state.withLockedValue { $0.caughtUp = true }
                while interval + 1 < schedule.counts.count && schedule.prefix[interval + 1] <= next { interval += 1 }
                let wake = schedule.dueNanos(next, interval: schedule.interval(of: next))
                try? await Task.sleep(nanoseconds: max(wake > now ? wake - now : 0, 200_000))
                continue
            }
            let active = pool.activeCount
            let allowed = gate.withLockedValue { $0.take(wanted: due - next, activeMembers: active, nowNanos: now) }
            if allowed < due - next { state.withLockedValue { $0.throttled = true } }
            if allowed == 0 {
                try? await Task.sleep(nanoseconds: 1_000_000)
                continue
            }
            for _ in 0..<allowed {
                while interval + 1 < schedule.counts.count && schedule.prefix[interval + 1] <= next { interval += 1 }
                let dueAt = schedule.dueNanos(next, interval: interval)
                let peak = peaks[interval]
                let recorder = self.recorder, peakRecorder = self.peakRecorder
                do {
                    try await pool.send(ProducerRecord(topic: topic, value: value)) { report in
                        switch report {
                        case .success:
                            let latency = perfNowNanos() &- dueAt
                            recorder.recordSuccess(latencyNanos: latency, bytes: bytes)
                            if peak { peakRecorder.recordSuccess(latencyNanos: latency, bytes: bytes) }
                        case .failure(let error):
                            recorder.recordFailure("\(error)")
                        }
                    }
                    state.withLockedValue { $0.sent += 1 }
                } catch {
                    let exhausted = (error as? KafkaClientError)?.isBufferExhausted ?? false
                    state.withLockedValue { s in
                        s.unsent += 1
                        if exhausted { s.bufferExhausted += 1 }
                        if s.firstError == nil { s.firstError = "\(error)" }
                    }
                }
                next += 1
            }
        }
    }

    /// True if, since the last call, the gate held records back and the sender never caught up with the schedule:
    /// the members sent as fast as they could.
    func takeSaturation() -> Bool {
        state.withLockedValue { s in
            defer { s.throttled = false; s.caughtUp = false }
            return s.throttled && !s.caughtUp
        }
    }

    /// Records handed to the pool, refused by it, refused for a full buffer, and the first refusal.
    func totals() -> (sent: Int, unsent: Int, bufferExhausted: Int, firstError: String?) {
        state.withLockedValue { ($0.sent, $0.unsent, $0.bufferExhausted, $0.firstError) }
    }
}

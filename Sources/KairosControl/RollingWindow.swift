/// The last `capacity` values appended, oldest first; appending past the capacity drops the oldest.
/// Fixed memory, O(1) per append: the autopilot's measurements and residuals live in these.
public struct RollingWindow<Element: Sendable>: Sendable {
    /// Most values kept.
    public let capacity: Int
    private var storage: [Element] = []
    private var head = 0  // index of the oldest value once the storage is full

    /// An empty window holding at most `capacity` values.
    public init(capacity: Int) {
        precondition(capacity >= 1, "a rolling window holds at least one value")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    /// Values held.
    public var count: Int { storage.count }
    /// Whether nothing was appended yet.
    public var isEmpty: Bool { storage.isEmpty }

    /// Appends `value`, dropping the oldest if the window is full.
    public mutating func append(_ value: Element) {
        if storage.count < capacity {
            storage.append(value)
        } else {
            storage[head] = value
            head = (head + 1) % capacity
        }
    }

    /// The values, oldest first.
    public var values: [Element] {
        head == 0 ? storage : Array(storage[head...] + storage[..<head])
    }

    /// The oldest value, if any.
    public var first: Element? {
        storage.isEmpty ? nil : storage[head]
    }

    /// The newest value, if any.
    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage[(head + storage.count - 1) % storage.count]
    }
}

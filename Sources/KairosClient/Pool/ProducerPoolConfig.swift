import KairosConfig

/// A `ProducerPool`'s configuration: the producer properties every member uses, plus how many members may be
/// active. `init(properties:)` reads the pool's own keys (`producers.min`, `producers.max`, `producers.initial`) and
/// hands every other key to `ProducerConfig`, so bad values of either kind throw `invalidConfiguration` naming the key.
public struct ProducerPoolConfig: Sendable {
    /// The pool's own property keys; every other key is a producer property.
    public static let poolKeys: Set<String> = ["producers.min", "producers.max", "producers.initial"]
    /// The most members a pool may hold: each has its own connections, sender and `buffer.memory`.
    public static let membersMax = 64

    /// The producer properties of every member; member `i` sends as `client.id` + "-i".
    public var producer: ProducerConfig
    /// `producers.min`: the fewest active members (`resize` refuses less). Default 1.
    public var minProducers: Int = 1
    /// `producers.max`: the most members, active or draining. Default 3 (the paper's largest k).
    public var maxProducers: Int = 3
    /// `producers.initial`: the members active when the pool starts. Default `producers.min`.
    public var initialProducers: Int = 1

    /// A pool of `producer` members with the default sizes.
    public init(producer: ProducerConfig) {
        self.producer = producer
    }

    /// Reads `producers.min`, `producers.max`, `producers.initial` and Kafka's producer properties.
    public init(properties: [String: String]) throws {
        let limit = Self.membersMax
        let min = try Self.count("producers.min", in: properties, range: 1...limit) ?? 1
        let max = try Self.count("producers.max", in: properties, range: 1...limit) ?? Swift.max(3, min)
        guard min <= max else {
            throw KafkaClientError.invalidConfiguration("producers.min=\(min) is more than producers.max=\(max)")
        }
        let initial = try Self.count("producers.initial", in: properties, range: min...max) ?? min
        self.producer = try ProducerConfig(properties: properties.filter { !Self.poolKeys.contains($0.key) })
        self.minProducers = min
        self.maxProducers = max
        self.initialProducers = initial
    }

    /// The pool's count `key` parsed by the shared config formats (nil when absent); the error names the property.
    /// The bounds of one count depend on another (`producers.initial` lies within min...max), so these three are
    /// read here rather than through a registry of fixed ranges.
    private static func count(_ key: String, in properties: [String: String], range: ClosedRange<Int>) throws -> Int? {
        guard let text = properties[key] else { return nil }
        do {
            return try ConfigValueFormat<Int>.int(range).parse(text)
        } catch let error as InvalidConfigValue {
            throw KafkaClientError.invalidConfiguration("\(key)=\(text): \(error.reason)")
        }
    }

    /// Producer property keys that no setting uses (the pool's own keys are known).
    public var unknownKeys: [String] { producer.unknownKeys }

    /// Checks the sizes and the producer properties; called when a pool is made.
    func validate() throws {
        let limit = Self.membersMax
        guard (1...limit).contains(minProducers) else {
            throw KafkaClientError.invalidConfiguration("producers.min=\(minProducers) is outside 1...\(limit)")
        }
        guard (minProducers...limit).contains(maxProducers) else {
            throw KafkaClientError.invalidConfiguration(
                "producers.max=\(maxProducers) is outside producers.min...\(limit) (\(minProducers)...\(limit))")
        }
        guard (minProducers...maxProducers).contains(initialProducers) else {
            throw KafkaClientError.invalidConfiguration(
                "producers.initial=\(initialProducers) is outside producers.min...producers.max (\(minProducers)...\(maxProducers))")
        }
        try producer.validate()
    }

    /// Member `index`'s producer configuration: the shared one with its own `client.id`, so broker quotas and
    /// metrics tell the members apart.
    func memberConfig(_ index: Int) -> ProducerConfig {
        var config = producer
        config.client.clientId = "\(producer.client.clientId)-\(index)"
        return config
    }
}

/// Kafka's file names for a segment: the base offset zero-padded to 20 digits plus `.log`, `.index`, `.timeindex`.
enum SegmentFiles {
    static let logSuffix = ".log"
    static let indexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"

    /// "00000000000000000042" for 42.
    static func stem(baseOffset: Int64) -> String {
        precondition(baseOffset >= 0, "segment base offsets are non-negative")
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The base offset named by a `.log` file name, nil for any other name.
    static func baseOffset(ofLogFile name: String) -> Int64? {
        guard name.hasSuffix(logSuffix) else { return nil }
        let stem = name.dropLast(logSuffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int64(stem)
    }

    static func path(_ directory: String, _ baseOffset: Int64, _ suffix: String) -> String {
        directory + "/" + stem(baseOffset: baseOffset) + suffix
    }
}

/// Kafka's rules for topic names.
public enum TopicName {
    /// Kafka's limit: a partition directory name ("<topic>-<partition>") must fit in 255 bytes.
    public static let lengthMax = 249

    /// nil when `name` is a legal topic name, else why not (the INVALID_TOPIC_EXCEPTION message).
    public static func validationError(_ name: String) -> String? {
        if name.isEmpty { return "Topic name is illegal, it can't be empty" }
        if name == "." || name == ".." { return "Topic name cannot be \".\" or \"..\"" }
        if name.utf8.count > lengthMax {
            return "Topic name is illegal, it can't be longer than \(lengthMax) characters, topic name: \(name)"
        }
        for c in name.utf8 {
            let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
                || c == 0x2E || c == 0x5F || c == 0x2D
            if !ok {
                return "Topic name \"\(name)\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
            }
        }
        return nil
    }

    /// Topics whose names differ only in '.' versus '_' collide in metric names; Kafka refuses them.
    public static func collisionKey(_ name: String) -> String {
        String(name.map { $0 == "." ? "_" : $0 })
    }
}

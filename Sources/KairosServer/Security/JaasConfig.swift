import KairosConfig

/// One login module entry of a JAAS property in Kafka's form:
/// `org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="secret" username="admin";`.
struct JaasConfig: Equatable {
    /// The login module's class name.
    var loginModule: String
    /// The control flag (`required`, ...).
    var flag: String
    /// The options, `key="value"` (quotes optional for values without spaces).
    var options: [String: String]

    /// PLAIN's users, from the `user_<name>="<password>"` options.
    var plainUsers: [String: String] {
        var users: [String: String] = [:]
        for (key, value) in options where key.hasPrefix("user_") && key.count > 5 { users[String(key.dropFirst(5))] = value }
        return users
    }

    /// Parses one entry; throws `InvalidConfigValue` (never quoting option values, which hold passwords).
    static func parse(_ text: String) throws -> JaasConfig {
        var rest = Substring(text.trimmingConfigSpaces())
        func word() -> String {
            rest = rest.drop { $0.isWhitespace }
            let token = rest.prefix { !$0.isWhitespace && $0 != ";" && $0 != "=" }
            rest = rest.dropFirst(token.count)
            return String(token)
        }
        let module = word()
        let flag = word()
        guard !module.isEmpty, ["required", "requisite", "sufficient", "optional"].contains(flag) else {
            throw InvalidConfigValue("expected '<LoginModule class> required key=\"value\" ...;'")
        }
        var options: [String: String] = [:]
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.first == ";" {
                rest = rest.dropFirst()
                break
            }
            let key = word()
            guard !key.isEmpty, rest.first == "=" else {
                throw InvalidConfigValue(rest.isEmpty ? "missing ';' at the end" : "expected key=\"value\" near option '\(key)'")
            }
            rest = rest.dropFirst()
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var closed = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if c == "\\", let next = rest.first {
                        value.append(next)
                        rest = rest.dropFirst()
                    } else if c == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(c)
                    }
                }
                guard closed else { throw InvalidConfigValue("unclosed quote in option '\(key)'") }
            } else {
                value = word()
            }
            options[key] = value
        }
        guard rest.allSatisfy(\.isWhitespace) else {
            throw InvalidConfigValue("only one login module is read: text after ';'")
        }
        return JaasConfig(loginModule: module, flag: flag, options: options)
    }
}

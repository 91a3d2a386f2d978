import KairosBroker

/// Per client-id quota series for `/metrics`: bytes produced and fetched, the throttle time given, and the rate the
/// quota measured last (only for clients under a quota), labelled `client_id` and `quota` (the quota key).
enum ClientQuotaMetrics {
    static func render(_ stats: [String: ClientQuotaAccounting.ClientStats], into out: inout String) {
        let clients = stats.keys.sorted()
        let kinds: [ClientQuotaKind] = [.producerByteRate, .consumerByteRate]
        func series(_ name: String, _ help: String, _ type: String, _ value: (ClientQuotaAccounting.ClientStats, ClientQuotaKind) -> String?) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for client in clients {
                for kind in kinds {
                    guard let text = value(stats[client]!, kind) else { continue }
                    out += "\(name){client_id=\"\(escape(client))\",quota=\"\(kind.key)\"} \(text)\n"
                }
            }
        }
        series("kairos_client_bytes_total", "Bytes a client id produced (producer_byte_rate) or was sent in fetches (consumer_byte_rate).",
               "counter") { s, k in s.bytes[k].map { "\($0)" } }
        series("kairos_client_throttle_time_ms_total", "Throttle time given to a client id by its quota, in ms.",
               "counter") { s, k in s.bytes[k] == nil && s.throttleMs[k] == nil ? nil : "\(s.throttleMs[k] ?? 0)" }
        series("kairos_client_byte_rate", "The byte rate a client id's quota last measured, per second (clients under a quota).",
               "gauge") { s, k in s.lastRate[k].map { "\($0)" } }
    }

    /// A Prometheus label value: backslash, quote and newline escaped.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

/// The reference of a registry as rows of text: what `kairos config-reference` prints and docs/configuration.md
/// is written from.
public struct ConfigReferenceRow: Sendable, Equatable {
    /// The property's name.
    public var name: String
    /// Kafka's type name.
    public var type: String
    /// The default, or "null".
    public var defaultValue: String
    /// For a topic property, the broker property whose value is its default.
    public var defaultFrom: String?
    /// The valid values, or "any".
    public var validValues: String
    /// "yes" when it can change live.
    public var live: String
    /// "yes", or "no: reason" for accepted-ignored properties, or "synonym of X".
    public var actedOn: String
    /// The one-line doc.
    public var doc: String
}

extension ConfigRegistry {
    /// One row per property, in registry order.
    public var referenceRows: [ConfigReferenceRow] {
        properties.map { p in
            var acted: String
            switch p.kind {
            case .actedOn: acted = "yes"
            case .acceptedIgnored(let reason): acted = "no: " + reason
            }
            if let main = p.synonymOf { acted += " (sets \(main))" }
            return ConfigReferenceRow(
                name: p.name, type: p.type.name, defaultValue: p.defaultValue ?? "null", defaultFrom: p.defaultFrom,
                validValues: p.validValues.isEmpty ? "any" : p.validValues, live: p.isDynamic ? "yes" : "no",
                actedOn: acted, doc: p.doc)
        }
    }

    /// The reference as a Markdown table (`|` in cells escaped).
    public var markdownReference: String {
        var lines = [
            "| name | type | default | valid values | live | acted on | what it does |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in referenceRows {
            let defaultCell = "`\(r.defaultValue)`" + (r.defaultFrom.map { " from `\($0)`" } ?? "")
            let cells = ["`\(r.name)`", r.type, defaultCell, r.validValues, r.live, r.actedOn, r.doc]
            lines.append("| " + cells.map { $0.replacingAll("|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The reference as plain tab-separated lines, one per property, with a header line.
    public var tabSeparatedReference: String {
        var lines = ["name\ttype\tdefault\tvalid values\tlive\tacted on\tdoc"]
        for r in referenceRows {
            let defaultText = r.defaultValue + (r.defaultFrom.map { " (from \($0))" } ?? "")
            lines.append([r.name, r.type, defaultText, r.validValues, r.live, r.actedOn, r.doc].joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Every `target` replaced by `replacement` (no Foundation here).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

import ArgumentParser
import KairosBroker
import KairosClient
import KairosConfig
import KairosServer

/// `kairos config-reference`: prints every entry of the property registries (name, type, default, valid values,
/// whether it can change live, whether Kairos acts on it, and its doc line); docs/configuration.md is written
/// from its Markdown output.
struct ConfigReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-reference",
        abstract: "Print every broker, topic, producer and consumer property Kairos reads or accepts.",
        discussion: """
            Examples:
              kairos config-reference                      # all scopes, tab-separated
              kairos config-reference --scope topic --markdown
            """)

    /// The registries by scope name, in the order they are printed.
    enum Scope: String, CaseIterable, ExpressibleByArgument {
        case broker, topic, producer, consumer
    }

    @Option(name: .long, help: "One of broker, topic, producer, consumer (default: all).")
    var scope: Scope?

    @Flag(name: .long, help: "Markdown tables instead of tab-separated lines.")
    var markdown = false

    func run() throws {
        let scopes = scope.map { [$0] } ?? Scope.allCases
        var first = true
        for s in scopes {
            if !first { print("") }
            first = false
            if markdown { print("### \(s.rawValue)\n") } else if scopes.count > 1 { print("# \(s.rawValue)") }
            print(ConfigReferenceCommand.reference(s, markdown: markdown), terminator: "")
        }
    }

    /// The reference of one scope's registry.
    static func reference(_ scope: Scope, markdown: Bool) -> String {
        switch scope {
        case .broker: return markdown ? ServerConfig.registry.markdownReference : ServerConfig.registry.tabSeparatedReference
        case .topic: return markdown ? TopicConfig.registry.markdownReference : TopicConfig.registry.tabSeparatedReference
        case .producer: return markdown ? ProducerConfig.registry.markdownReference : ProducerConfig.registry.tabSeparatedReference
        case .consumer: return markdown ? ConsumerConfig.registry.markdownReference : ConsumerConfig.registry.tabSeparatedReference
        }
    }
}

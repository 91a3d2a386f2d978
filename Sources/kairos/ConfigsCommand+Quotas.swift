import ArgumentParser
import KairosClient

/// `kairos configs --entity-type clients|users`: client quotas. The broker does not serve DescribeClientQuotas /
/// AlterClientQuotas yet, so these say so and change nothing; wiring the admin client's quota calls in here is
/// all that is left when it does.
enum ClientQuotaEntities: ConfigEntityKind {
    static func resources(name: String?, isDefault: Bool, validating: Bool) throws -> [ConfigResource] {
        if validating { return [] }
        throw CLIError("client quotas (--entity-type clients, users) are not served yet: this Kairos has no quota support")
    }

    static func describe(_ admin: KafkaAdmin, name: String?, isDefault: Bool, all: Bool) async throws {
        _ = try resources(name: name, isDefault: isDefault, validating: false)
    }

    static func alter(_ admin: KafkaAdmin, name: String?, isDefault: Bool, changes: [ConfigChange]) async throws {
        _ = try resources(name: name, isDefault: isDefault, validating: false)
    }
}

import KafkaProtocol
import XCTest

/// Authorized operations (KIP-430) where a client asks for them: with no ACLs every operation Kafka defines for
/// the resource is allowed; where it does not ask, the field is Int32.min, as Kafka answers.
final class AuthorizedOperationsTests: XCTestCase {
    private func operations(_ bits: Int32) -> [Int32] { (0..<32).filter { bits & (1 << $0) != 0 } }

    func testMetadataAndDescribeClusterAnswerEveryOperationWhenAsked() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let asked = try h.call(MetadataRequest(topics: nil, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true,
                                               includeTopicAuthorizedOperations: true), version: 10)
        XCTAssertEqual(operations(asked.topics[0].topicAuthorizedOperations), [3, 4, 5, 6, 7, 8, 10, 11])
        XCTAssertEqual(operations(asked.clusterAuthorizedOperations), [5, 7, 8, 9, 10, 11, 12])
        let notAsked = try h.call(MetadataRequest(topics: nil, allowAutoTopicCreation: false), version: 12)
        XCTAssertEqual(notAsked.topics[0].topicAuthorizedOperations, Int32.min)
        let unknown = try h.call(MetadataRequest(topics: [.init(name: "nope")], allowAutoTopicCreation: false,
                                                 includeTopicAuthorizedOperations: true), version: 12)
        XCTAssertEqual(unknown.topics[0].topicAuthorizedOperations, Int32.min, "no operations for a topic that is not there")

        let cluster = try h.call(DescribeClusterRequest(includeClusterAuthorizedOperations: true), version: 1)
        XCTAssertEqual(operations(cluster.clusterAuthorizedOperations).count, 7)
        XCTAssertEqual(try h.call(DescribeClusterRequest(), version: 1).clusterAuthorizedOperations, Int32.min)
    }
}

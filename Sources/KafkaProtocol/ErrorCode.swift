/// A Kafka error code: the INT16 every response carries per topic, partition or request.
///
/// Kafka's whole table (codes -1 through 128, as of Kafka 3.9), with its names and which errors a client may
/// retry (those whose Java exception is a `RetriableException`). Unknown codes are kept as they are.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code on the wire.
    public var rawValue: Int16

    /// Wraps a code, known or not.
    @inlinable public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Wraps a code, known or not.
    @inlinable public init(_ rawValue: Int16) { self.rawValue = rawValue }

    /// UNKNOWN_SERVER_ERROR (-1).
    public static let unknownServerError = ErrorCode(rawValue: -1)
    /// NONE (0).
    public static let none = ErrorCode(rawValue: 0)
    /// OFFSET_OUT_OF_RANGE (1).
    public static let offsetOutOfRange = ErrorCode(rawValue: 1)
    /// CORRUPT_MESSAGE (2).
    public static let corruptMessage = ErrorCode(rawValue: 2)
    /// UNKNOWN_TOPIC_OR_PARTITION (3).
    public static let unknownTopicOrPartition = ErrorCode(rawValue: 3)
    /// INVALID_FETCH_SIZE (4).
    public static let invalidFetchSize = ErrorCode(rawValue: 4)
    /// LEADER_NOT_AVAILABLE (5).
    public static let leaderNotAvailable = ErrorCode(rawValue: 5)
    /// NOT_LEADER_OR_FOLLOWER (6).
    public static let notLeaderOrFollower = ErrorCode(rawValue: 6)
    /// REQUEST_TIMED_OUT (7).
    public static let requestTimedOut = ErrorCode(rawValue: 7)
    /// BROKER_NOT_AVAILABLE (8).
    public static let brokerNotAvailable = ErrorCode(rawValue: 8)
    /// REPLICA_NOT_AVAILABLE (9).
    public static let replicaNotAvailable = ErrorCode(rawValue: 9)
    /// MESSAGE_TOO_LARGE (10).
    public static let messageTooLarge = ErrorCode(rawValue: 10)
    /// STALE_CONTROLLER_EPOCH (11).
    public static let staleControllerEpoch = ErrorCode(rawValue: 11)
    /// OFFSET_METADATA_TOO_LARGE (12).
    public static let offsetMetadataTooLarge = ErrorCode(rawValue: 12)
    /// NETWORK_EXCEPTION (13).
    public static let networkException = ErrorCode(rawValue: 13)
    /// COORDINATOR_LOAD_IN_PROGRESS (14).
    public static let coordinatorLoadInProgress = ErrorCode(rawValue: 14)
    /// COORDINATOR_NOT_AVAILABLE (15).
    public static let coordinatorNotAvailable = ErrorCode(rawValue: 15)
    /// NOT_COORDINATOR (16).
    public static let notCoordinator = ErrorCode(rawValue: 16)
    /// INVALID_TOPIC_EXCEPTION (17).
    public static let invalidTopicException = ErrorCode(rawValue: 17)
    /// RECORD_LIST_TOO_LARGE (18).
    public static let recordListTooLarge = ErrorCode(rawValue: 18)
    /// NOT_ENOUGH_REPLICAS (19).
    public static let notEnoughReplicas = ErrorCode(rawValue: 19)
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND (20).
    public static let notEnoughReplicasAfterAppend = ErrorCode(rawValue: 20)
    /// INVALID_REQUIRED_ACKS (21).
    public static let invalidRequiredAcks = ErrorCode(rawValue: 21)
    /// ILLEGAL_GENERATION (22).
    public static let illegalGeneration = ErrorCode(rawValue: 22)
    /// INCONSISTENT_GROUP_PROTOCOL (23).
    public static let inconsistentGroupProtocol = ErrorCode(rawValue: 23)
    /// INVALID_GROUP_ID (24).
    public static let invalidGroupId = ErrorCode(rawValue: 24)
    /// UNKNOWN_MEMBER_ID (25).
    public static let unknownMemberId = ErrorCode(rawValue: 25)
    /// INVALID_SESSION_TIMEOUT (26).
    public static let invalidSessionTimeout = ErrorCode(rawValue: 26)
    /// REBALANCE_IN_PROGRESS (27).
    public static let rebalanceInProgress = ErrorCode(rawValue: 27)
    /// INVALID_COMMIT_OFFSET_SIZE (28).
    public static let invalidCommitOffsetSize = ErrorCode(rawValue: 28)
    /// TOPIC_AUTHORIZATION_FAILED (29).
    public static let topicAuthorizationFailed = ErrorCode(rawValue: 29)
    /// GROUP_AUTHORIZATION_FAILED (30).
    public static let groupAuthorizationFailed = ErrorCode(rawValue: 30)
    /// CLUSTER_AUTHORIZATION_FAILED (31).
    public static let clusterAuthorizationFailed = ErrorCode(rawValue: 31)
    /// INVALID_TIMESTAMP (32).
    public static let invalidTimestamp = ErrorCode(rawValue: 32)
    /// UNSUPPORTED_SASL_MECHANISM (33).
    public static let unsupportedSaslMechanism = ErrorCode(rawValue: 33)
    /// ILLEGAL_SASL_STATE (34).
    public static let illegalSaslState = ErrorCode(rawValue: 34)
    /// UNSUPPORTED_VERSION (35).
    public static let unsupportedVersion = ErrorCode(rawValue: 35)
    /// TOPIC_ALREADY_EXISTS (36).
    public static let topicAlreadyExists = ErrorCode(rawValue: 36)
    /// INVALID_PARTITIONS (37).
    public static let invalidPartitions = ErrorCode(rawValue: 37)
    /// INVALID_REPLICATION_FACTOR (38).
    public static let invalidReplicationFactor = ErrorCode(rawValue: 38)
    /// INVALID_REPLICA_ASSIGNMENT (39).
    public static let invalidReplicaAssignment = ErrorCode(rawValue: 39)
    /// INVALID_CONFIG (40).
    public static let invalidConfig = ErrorCode(rawValue: 40)
    /// NOT_CONTROLLER (41).
    public static let notController = ErrorCode(rawValue: 41)
    /// INVALID_REQUEST (42).
    public static let invalidRequest = ErrorCode(rawValue: 42)
    /// UNSUPPORTED_FOR_MESSAGE_FORMAT (43).
    public static let unsupportedForMessageFormat = ErrorCode(rawValue: 43)
    /// POLICY_VIOLATION (44).
    public static let policyViolation = ErrorCode(rawValue: 44)
    /// OUT_OF_ORDER_SEQUENCE_NUMBER (45).
    public static let outOfOrderSequenceNumber = ErrorCode(rawValue: 45)
    /// DUPLICATE_SEQUENCE_NUMBER (46).
    public static let duplicateSequenceNumber = ErrorCode(rawValue: 46)
    /// INVALID_PRODUCER_EPOCH (47).
    public static let invalidProducerEpoch = ErrorCode(rawValue: 47)
    /// INVALID_TXN_STATE (48).
    public static let invalidTxnState = ErrorCode(rawValue: 48)
    /// INVALID_PRODUCER_ID_MAPPING (49).
    public static let invalidProducerIdMapping = ErrorCode(rawValue: 49)
    /// INVALID_TRANSACTION_TIMEOUT (50).
    public static let invalidTransactionTimeout = ErrorCode(rawValue: 50)
    /// CONCURRENT_TRANSACTIONS (51).
    public static let concurrentTransactions = ErrorCode(rawValue: 51)
    /// TRANSACTION_COORDINATOR_FENCED (52).
    public static let transactionCoordinatorFenced = ErrorCode(rawValue: 52)
    /// TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53).
    public static let transactionalIdAuthorizationFailed = ErrorCode(rawValue: 53)
    /// SECURITY_DISABLED (54).
    public static let securityDisabled = ErrorCode(rawValue: 54)
    /// OPERATION_NOT_ATTEMPTED (55).
    public static let operationNotAttempted = ErrorCode(rawValue: 55)
    /// KAFKA_STORAGE_ERROR (56).
    public static let kafkaStorageError = ErrorCode(rawValue: 56)
    /// LOG_DIR_NOT_FOUND (57).
    public static let logDirNotFound = ErrorCode(rawValue: 57)
    /// SASL_AUTHENTICATION_FAILED (58).
    public static let saslAuthenticationFailed = ErrorCode(rawValue: 58)
    /// UNKNOWN_PRODUCER_ID (59).
    public static let unknownProducerId = ErrorCode(rawValue: 59)
    /// REASSIGNMENT_IN_PROGRESS (60).
    public static let reassignmentInProgress = ErrorCode(rawValue: 60)
    /// DELEGATION_TOKEN_AUTH_DISABLED (61).
    public static let delegationTokenAuthDisabled = ErrorCode(rawValue: 61)
    /// DELEGATION_TOKEN_NOT_FOUND (62).
    public static let delegationTokenNotFound = ErrorCode(rawValue: 62)
    /// DELEGATION_TOKEN_OWNER_MISMATCH (63).
    public static let delegationTokenOwnerMismatch = ErrorCode(rawValue: 63)
    /// DELEGATION_TOKEN_REQUEST_NOT_ALLOWED (64).
    public static let delegationTokenRequestNotAllowed = ErrorCode(rawValue: 64)
    /// DELEGATION_TOKEN_AUTHORIZATION_FAILED (65).
    public static let delegationTokenAuthorizationFailed = ErrorCode(rawValue: 65)
    /// DELEGATION_TOKEN_EXPIRED (66).
    public static let delegationTokenExpired = ErrorCode(rawValue: 66)
    /// INVALID_PRINCIPAL_TYPE (67).
    public static let invalidPrincipalType = ErrorCode(rawValue: 67)
    /// NON_EMPTY_GROUP (68).
    public static let nonEmptyGroup = ErrorCode(rawValue: 68)
    /// GROUP_ID_NOT_FOUND (69).
    public static let groupIdNotFound = ErrorCode(rawValue: 69)
    /// FETCH_SESSION_ID_NOT_FOUND (70).
    public static let fetchSessionIdNotFound = ErrorCode(rawValue: 70)
    /// INVALID_FETCH_SESSION_EPOCH (71).
    public static let invalidFetchSessionEpoch = ErrorCode(rawValue: 71)
    /// LISTENER_NOT_FOUND (72).
    public static let listenerNotFound = ErrorCode(rawValue: 72)
    /// TOPIC_DELETION_DISABLED (73).
    public static let topicDeletionDisabled = ErrorCode(rawValue: 73)
    /// FENCED_LEADER_EPOCH (74).
    public static let fencedLeaderEpoch = ErrorCode(rawValue: 74)
    /// UNKNOWN_LEADER_EPOCH (75).
    public static let unknownLeaderEpoch = ErrorCode(rawValue: 75)
    /// UNSUPPORTED_COMPRESSION_TYPE (76).
    public static let unsupportedCompressionType = ErrorCode(rawValue: 76)
    /// STALE_BROKER_EPOCH (77).
    public static let staleBrokerEpoch = ErrorCode(rawValue: 77)
    /// OFFSET_NOT_AVAILABLE (78).
    public static let offsetNotAvailable = ErrorCode(rawValue: 78)
    /// MEMBER_ID_REQUIRED (79).
    public static let memberIdRequired = ErrorCode(rawValue: 79)
    /// PREFERRED_LEADER_NOT_AVAILABLE (80).
    public static let preferredLeaderNotAvailable = ErrorCode(rawValue: 80)
    /// GROUP_MAX_SIZE_REACHED (81).
    public static let groupMaxSizeReached = ErrorCode(rawValue: 81)
    /// FENCED_INSTANCE_ID (82).
    public static let fencedInstanceId = ErrorCode(rawValue: 82)
    /// ELIGIBLE_LEADERS_NOT_AVAILABLE (83).
    public static let eligibleLeadersNotAvailable = ErrorCode(rawValue: 83)
    /// ELECTION_NOT_NEEDED (84).
    public static let electionNotNeeded = ErrorCode(rawValue: 84)
    /// NO_REASSIGNMENT_IN_PROGRESS (85).
    public static let noReassignmentInProgress = ErrorCode(rawValue: 85)
    /// GROUP_SUBSCRIBED_TO_TOPIC (86).
    public static let groupSubscribedToTopic = ErrorCode(rawValue: 86)
    /// INVALID_RECORD (87).
    public static let invalidRecord = ErrorCode(rawValue: 87)
    /// UNSTABLE_OFFSET_COMMIT (88).
    public static let unstableOffsetCommit = ErrorCode(rawValue: 88)
    /// THROTTLING_QUOTA_EXCEEDED (89).
    public static let throttlingQuotaExceeded = ErrorCode(rawValue: 89)
    /// PRODUCER_FENCED (90).
    public static let producerFenced = ErrorCode(rawValue: 90)
    /// RESOURCE_NOT_FOUND (91).
    public static let resourceNotFound = ErrorCode(rawValue: 91)
    /// DUPLICATE_RESOURCE (92).
    public static let duplicateResource = ErrorCode(rawValue: 92)
    /// UNACCEPTABLE_CREDENTIAL (93).
    public static let unacceptableCredential = ErrorCode(rawValue: 93)
    /// INCONSISTENT_VOTER_SET (94).
    public static let inconsistentVoterSet = ErrorCode(rawValue: 94)
    /// INVALID_UPDATE_VERSION (95).
    public static let invalidUpdateVersion = ErrorCode(rawValue: 95)
    /// FEATURE_UPDATE_FAILED (96).
    public static let featureUpdateFailed = ErrorCode(rawValue: 96)
    /// PRINCIPAL_DESERIALIZATION_FAILURE (97).
    public static let principalDeserializationFailure = ErrorCode(rawValue: 97)
    /// SNAPSHOT_NOT_FOUND (98).
    public static let snapshotNotFound = ErrorCode(rawValue: 98)
    /// UNKNOWN_TOPIC_ID (100).
    public static let unknownTopicId = ErrorCode(rawValue: 100)
    /// DUPLICATE_BROKER_REGISTRATION (101).
    public static let duplicateBrokerRegistration = ErrorCode(rawValue: 101)
    /// BROKER_ID_NOT_REGISTERED (102).
    public static let brokerIdNotRegistered = ErrorCode(rawValue: 102)
    /// INCONSISTENT_TOPIC_ID (103).
    public static let inconsistentTopicId = ErrorCode(rawValue: 103)
    /// INCONSISTENT_CLUSTER_ID (104).
    public static let inconsistentClusterId = ErrorCode(rawValue: 104)
    /// TRANSACTIONAL_ID_NOT_FOUND (105).
    public static let transactionalIdNotFound = ErrorCode(rawValue: 105)
    /// FETCH_SESSION_TOPIC_ID_ERROR (106).
    public static let fetchSessionTopicIdError = ErrorCode(rawValue: 106)
    /// INELIGIBLE_REPLICA (107).
    public static let ineligibleReplica = ErrorCode(rawValue: 107)
    /// NEW_LEADER_ELECTED (108).
    public static let newLeaderElected = ErrorCode(rawValue: 108)
    /// OFFSET_MOVED_TO_TIERED_STORAGE (109).
    public static let offsetMovedToTieredStorage = ErrorCode(rawValue: 109)
    /// FENCED_MEMBER_EPOCH (110).
    public static let fencedMemberEpoch = ErrorCode(rawValue: 110)
    /// UNRELEASED_INSTANCE_ID (111).
    public static let unreleasedInstanceId = ErrorCode(rawValue: 111)
    /// UNSUPPORTED_ASSIGNOR (112).
    public static let unsupportedAssignor = ErrorCode(rawValue: 112)
    /// STALE_MEMBER_EPOCH (113).
    public static let staleMemberEpoch = ErrorCode(rawValue: 113)
    /// MISMATCHED_ENDPOINT_TYPE (114).
    public static let mismatchedEndpointType = ErrorCode(rawValue: 114)
    /// UNSUPPORTED_ENDPOINT_TYPE (115).
    public static let unsupportedEndpointType = ErrorCode(rawValue: 115)
    /// UNKNOWN_CONTROLLER_ID (116).
    public static let unknownControllerId = ErrorCode(rawValue: 116)
    /// UNKNOWN_SUBSCRIPTION_ID (117).
    public static let unknownSubscriptionId = ErrorCode(rawValue: 117)
    /// TELEMETRY_TOO_LARGE (118).
    public static let telemetryTooLarge = ErrorCode(rawValue: 118)
    /// INVALID_REGISTRATION (119).
    public static let invalidRegistration = ErrorCode(rawValue: 119)
    /// TRANSACTION_ABORTABLE (120).
    public static let transactionAbortable = ErrorCode(rawValue: 120)
    /// INVALID_RECORD_STATE (121).
    public static let invalidRecordState = ErrorCode(rawValue: 121)
    /// SHARE_SESSION_NOT_FOUND (122).
    public static let shareSessionNotFound = ErrorCode(rawValue: 122)
    /// INVALID_SHARE_SESSION_EPOCH (123).
    public static let invalidShareSessionEpoch = ErrorCode(rawValue: 123)
    /// FENCED_STATE_EPOCH (124).
    public static let fencedStateEpoch = ErrorCode(rawValue: 124)
    /// INVALID_VOTER_KEY (125).
    public static let invalidVoterKey = ErrorCode(rawValue: 125)
    /// DUPLICATE_VOTER (126).
    public static let duplicateVoter = ErrorCode(rawValue: 126)
    /// VOTER_NOT_FOUND (127).
    public static let voterNotFound = ErrorCode(rawValue: 127)
    /// INVALID_REGULAR_EXPRESSION (128).
    public static let invalidRegularExpression = ErrorCode(rawValue: 128)

    /// Kafka's name for the code (`"UNKNOWN_TOPIC_OR_PARTITION"`), or `"UNKNOWN_CODE_<n>"`.
    public var name: String {
        switch rawValue {
        case -1: return "UNKNOWN_SERVER_ERROR"
        case 0: return "NONE"
        case 1: return "OFFSET_OUT_OF_RANGE"
        case 2: return "CORRUPT_MESSAGE"
        case 3: return "UNKNOWN_TOPIC_OR_PARTITION"
        case 4: return "INVALID_FETCH_SIZE"
        case 5: return "LEADER_NOT_AVAILABLE"
        case 6: return "NOT_LEADER_OR_FOLLOWER"
        case 7: return "REQUEST_TIMED_OUT"
        case 8: return "BROKER_NOT_AVAILABLE"
        case 9: return "REPLICA_NOT_AVAILABLE"
        case 10: return "MESSAGE_TOO_LARGE"
        case 11: return "STALE_CONTROLLER_EPOCH"
        case 12: return "OFFSET_METADATA_TOO_LARGE"
        case 13: return "NETWORK_EXCEPTION"
        case 14: return "COORDINATOR_LOAD_IN_PROGRESS"
        case 15: return "COORDINATOR_NOT_AVAILABLE"
        case 16: return "NOT_COORDINATOR"
        case 17: return "INVALID_TOPIC_EXCEPTION"
        case 18: return "RECORD_LIST_TOO_LARGE"
        case 19: return "NOT_ENOUGH_REPLICAS"
        case 20: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND"
        case 21: return "INVALID_REQUIRED_ACKS"
        case 22: return "ILLEGAL_GENERATION"
        case 23: return "INCONSISTENT_GROUP_PROTOCOL"
        case 24: return "INVALID_GROUP_ID"
        case 25: return "UNKNOWN_MEMBER_ID"
        case 26: return "INVALID_SESSION_TIMEOUT"
        case 27: return "REBALANCE_IN_PROGRESS"
        case 28: return "INVALID_COMMIT_OFFSET_SIZE"
        case 29: return "TOPIC_AUTHORIZATION_FAILED"
        case 30: return "GROUP_AUTHORIZATION_FAILED"
        case 31: return "CLUSTER_AUTHORIZATION_FAILED"
        case 32: return "INVALID_TIMESTAMP"
        case 33: return "UNSUPPORTED_SASL_MECHANISM"
        case 34: return "ILLEGAL_SASL_STATE"
        case 35: return "UNSUPPORTED_VERSION"
        case 36: return "TOPIC_ALREADY_EXISTS"
        case 37: return "INVALID_PARTITIONS"
        case 38: return "INVALID_REPLICATION_FACTOR"
        case 39: return "INVALID_REPLICA_ASSIGNMENT"
        case 40: return "INVALID_CONFIG"
        case 41: return "NOT_CONTROLLER"
        case 42: return "INVALID_REQUEST"
        case 43: return "UNSUPPORTED_FOR_MESSAGE_FORMAT"
        case 44: return "POLICY_VIOLATION"
        case 45: return "OUT_OF_ORDER_SEQUENCE_NUMBER"
        case 46: return "DUPLICATE_SEQUENCE_NUMBER"
        case 47: return "INVALID_PRODUCER_EPOCH"
        case 48: return "INVALID_TXN_STATE"
        case 49: return "INVALID_PRODUCER_ID_MAPPING"
        case 50: return "INVALID_TRANSACTION_TIMEOUT"
        case 51: return "CONCURRENT_TRANSACTIONS"
        case 52: return "TRANSACTION_COORDINATOR_FENCED"
        case 53: return "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"
        case 54: return "SECURITY_DISABLED"
        case 55: return "OPERATION_NOT_ATTEMPTED"
        case 56: return "KAFKA_STORAGE_ERROR"
        case 57: return "LOG_DIR_NOT_FOUND"
        case 58: return "SASL_AUTHENTICATION_FAILED"
        case 59: return "UNKNOWN_PRODUCER_ID"
        case 60: return "REASSIGNMENT_IN_PROGRESS"
        case 61: return "DELEGATION_TOKEN_AUTH_DISABLED"
        case 62: return "DELEGATION_TOKEN_NOT_FOUND"
        case 63: return "DELEGATION_TOKEN_OWNER_MISMATCH"
        case 64: return "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED"
        case 65: return "DELEGATION_TOKEN_AUTHORIZATION_FAILED"
        case 66: return "DELEGATION_TOKEN_EXPIRED"
        case 67: return "INVALID_PRINCIPAL_TYPE"
        case 68: return "NON_EMPTY_GROUP"
        case 69: return "GROUP_ID_NOT_FOUND"
        case 70: return "FETCH_SESSION_ID_NOT_FOUND"
        case 71: return "INVALID_FETCH_SESSION_EPOCH"
        case 72: return "LISTENER_NOT_FOUND"
        case 73: return "TOPIC_DELETION_DISABLED"
        case 74: return "FENCED_LEADER_EPOCH"
        case 75: return "UNKNOWN_LEADER_EPOCH"
        case 76: return "UNSUPPORTED_COMPRESSION_TYPE"
        case 77: return "STALE_BROKER_EPOCH"
        case 78: return "OFFSET_NOT_AVAILABLE"
        case 79: return "MEMBER_ID_REQUIRED"
        case 80: return "PREFERRED_LEADER_NOT_AVAILABLE"
        case 81: return "GROUP_MAX_SIZE_REACHED"
        case 82: return "FENCED_INSTANCE_ID"
        case 83: return "ELIGIBLE_LEADERS_NOT_AVAILABLE"
        case 84: return "ELECTION_NOT_NEEDED"
        case 85: return "NO_REASSIGNMENT_IN_PROGRESS"
        case 86: return "GROUP_SUBSCRIBED_TO_TOPIC"
        case 87: return "INVALID_RECORD"
        case 88: return "UNSTABLE_OFFSET_COMMIT"
        case 89: return "THROTTLING_QUOTA_EXCEEDED"
        case 90: return "PRODUCER_FENCED"
        case 91: return "RESOURCE_NOT_FOUND"
        case 92: return "DUPLICATE_RESOURCE"
        case 93: return "UNACCEPTABLE_CREDENTIAL"
        case 94: return "INCONSISTENT_VOTER_SET"
        case 95: return "INVALID_UPDATE_VERSION"
        case 96: return "FEATURE_UPDATE_FAILED"
        case 97: return "PRINCIPAL_DESERIALIZATION_FAILURE"
        case 98: return "SNAPSHOT_NOT_FOUND"
        case 100: return "UNKNOWN_TOPIC_ID"
        case 101: return "DUPLICATE_BROKER_REGISTRATION"
        case 102: return "BROKER_ID_NOT_REGISTERED"
        case 103: return "INCONSISTENT_TOPIC_ID"
        case 104: return "INCONSISTENT_CLUSTER_ID"
        case 105: return "TRANSACTIONAL_ID_NOT_FOUND"
        case 106: return "FETCH_SESSION_TOPIC_ID_ERROR"
        case 107: return "INELIGIBLE_REPLICA"
        case 108: return "NEW_LEADER_ELECTED"
        case 109: return "OFFSET_MOVED_TO_TIERED_STORAGE"
        case 110: return "FENCED_MEMBER_EPOCH"
        case 111: return "UNRELEASED_INSTANCE_ID"
        case 112: return "UNSUPPORTED_ASSIGNOR"
        case 113: return "STALE_MEMBER_EPOCH"
        case 114: return "MISMATCHED_ENDPOINT_TYPE"
        case 115: return "UNSUPPORTED_ENDPOINT_TYPE"
        case 116: return "UNKNOWN_CONTROLLER_ID"
        case 117: return "UNKNOWN_SUBSCRIPTION_ID"
        case 118: return "TELEMETRY_TOO_LARGE"
        case 119: return "INVALID_REGISTRATION"
        case 120: return "TRANSACTION_ABORTABLE"
        case 121: return "INVALID_RECORD_STATE"
        case 122: return "SHARE_SESSION_NOT_FOUND"
        case 123: return "INVALID_SHARE_SESSION_EPOCH"
        case 124: return "FENCED_STATE_EPOCH"
        case 125: return "INVALID_VOTER_KEY"
        case 126: return "DUPLICATE_VOTER"
        case 127: return "VOTER_NOT_FOUND"
        case 128: return "INVALID_REGULAR_EXPRESSION"
        default: return "UNKNOWN_CODE_\(rawValue)"
        }
    }

    /// True when a client may retry the request unchanged and expect success (Kafka's retriable errors).
    public var isRetriable: Bool {
        switch rawValue {
        case 2, 3, 5, 6, 7, 9, 13, 14, 15, 16: return true
        case 19, 20, 41, 51, 56, 70, 71, 72, 74, 75: return true
        case 78, 80, 83, 84, 88, 89, 100, 103, 106, 122: return true
        case 123: return true
        default: return false
        }
    }

    /// True for every code but `none`.
    @inlinable public var isError: Bool { rawValue != 0 }

    /// Every code in Kafka's table, in code order.
    public static let allKnown: [ErrorCode] = [
        .unknownServerError, .none, .offsetOutOfRange, .corruptMessage, .unknownTopicOrPartition, .invalidFetchSize, .leaderNotAvailable, .notLeaderOrFollower,
        .requestTimedOut, .brokerNotAvailable, .replicaNotAvailable, .messageTooLarge, .staleControllerEpoch, .offsetMetadataTooLarge, .networkException, .coordinatorLoadInProgress,
        .coordinatorNotAvailable, .notCoordinator, .invalidTopicException, .recordListTooLarge, .notEnoughReplicas, .notEnoughReplicasAfterAppend, .invalidRequiredAcks, .illegalGeneration,
        .inconsistentGroupProtocol, .invalidGroupId, .unknownMemberId, .invalidSessionTimeout, .rebalanceInProgress, .invalidCommitOffsetSize, .topicAuthorizationFailed, .groupAuthorizationFailed,
        .clusterAuthorizationFailed, .invalidTimestamp, .unsupportedSaslMechanism, .illegalSaslState, .unsupportedVersion, .topicAlreadyExists, .invalidPartitions, .invalidReplicationFactor,
        .invalidReplicaAssignment, .invalidConfig, .notController, .invalidRequest, .unsupportedForMessageFormat, .policyViolation, .outOfOrderSequenceNumber, .duplicateSequenceNumber,
        .invalidProducerEpoch, .invalidTxnState, .invalidProducerIdMapping, .invalidTransactionTimeout, .concurrentTransactions, .transactionCoordinatorFenced, .transactionalIdAuthorizationFailed, .securityDisabled,
        .operationNotAttempted, .kafkaStorageError, .logDirNotFound, .saslAuthenticationFailed, .unknownProducerId, .reassignmentInProgress, .delegationTokenAuthDisabled, .delegationTokenNotFound,
        .delegationTokenOwnerMismatch, .delegationTokenRequestNotAllowed, .delegationTokenAuthorizationFailed, .delegationTokenExpired, .invalidPrincipalType, .nonEmptyGroup, .groupIdNotFound, .fetchSessionIdNotFound,
        .invalidFetchSessionEpoch, .listenerNotFound, .topicDeletionDisabled, .fencedLeaderEpoch, .unknownLeaderEpoch, .unsupportedCompressionType, .staleBrokerEpoch, .offsetNotAvailable,
        .memberIdRequired, .preferredLeaderNotAvailable, .groupMaxSizeReached, .fencedInstanceId, .eligibleLeadersNotAvailable, .electionNotNeeded, .noReassignmentInProgress, .groupSubscribedToTopic,
        .invalidRecord, .unstableOffsetCommit, .throttlingQuotaExceeded, .producerFenced, .resourceNotFound, .duplicateResource, .unacceptableCredential, .inconsistentVoterSet,
        .invalidUpdateVersion, .featureUpdateFailed, .principalDeserializationFailure, .snapshotNotFound, .unknownTopicId, .duplicateBrokerRegistration, .brokerIdNotRegistered, .inconsistentTopicId,
        .inconsistentClusterId, .transactionalIdNotFound, .fetchSessionTopicIdError, .ineligibleReplica, .newLeaderElected, .offsetMovedToTieredStorage, .fencedMemberEpoch, .unreleasedInstanceId,
        .unsupportedAssignor, .staleMemberEpoch, .mismatchedEndpointType, .unsupportedEndpointType, .unknownControllerId, .unknownSubscriptionId, .telemetryTooLarge, .invalidRegistration,
        .transactionAbortable, .invalidRecordState, .shareSessionNotFound, .invalidShareSessionEpoch, .fencedStateEpoch, .invalidVoterKey, .duplicateVoter, .voterNotFound,
        .invalidRegularExpression,
    ]

    public var description: String { "\(name) (\(rawValue))" }
}

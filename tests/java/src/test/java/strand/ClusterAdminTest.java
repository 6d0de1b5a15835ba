package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.Test;

/**
 * DescribeCluster, DescribeTopicPartitions (describeTopics, paged), ElectLeaders,
 * partition reassignments, transactions and client quotas through the Java
 * AdminClient: what a one-node Kafka answers.
 */
class ClusterAdminTest extends SharedBrokerTest {
    @Test
    void describe_cluster_is_this_node_and_its_controller() throws Exception {
        DescribeClusterResult cluster =
                admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true));
        Collection<Node> nodes = cluster.nodes().get(20, TimeUnit.SECONDS);
        assertEquals(1, nodes.size());
        Node node = nodes.iterator().next();
        assertEquals(1, node.id());
        assertEquals("127.0.0.1", node.host());
        assertEquals(broker.port, node.port());
        assertEquals(node, cluster.controller().get(20, TimeUnit.SECONDS));
        String clusterId = cluster.clusterId().get(20, TimeUnit.SECONDS);
        assertNotNull(clusterId);
        assertEquals(22, clusterId.length(), "a base64 UUID: " + clusterId);
        // Without an authorizer every cluster operation is allowed.
        assertEquals(Set.of(AclOperation.ALTER, AclOperation.ALTER_CONFIGS, AclOperation.CLUSTER_ACTION,
                AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
                AclOperation.IDEMPOTENT_WRITE), cluster.authorizedOperations().get(20, TimeUnit.SECONDS));
        DescribeClusterResult plain = admin.describeCluster();
        assertEquals(clusterId, plain.clusterId().get(20, TimeUnit.SECONDS), "the cluster id is stable");
        assertEquals(null, plain.authorizedOperations().get(20, TimeUnit.SECONDS), "not asked for");
    }

    private static void assertPartitions(TopicDescription topic, int count) {
        assertEquals(IntStream.range(0, count).boxed().toList(),
                topic.partitions().stream().map(TopicPartitionInfo::partition).toList(), topic.name());
        for (TopicPartitionInfo p : topic.partitions()) {
            assertEquals(1, p.leader().id());
            assertEquals(List.of(1), p.replicas().stream().map(Node::id).toList());
            assertEquals(List.of(1), p.isr().stream().map(Node::id).toList());
        }
    }

    @Test
    void describe_topics_pages_through_many_partitions() throws Exception {
        String big = topic("paged", 40, Map.of());
        String small = topic("paged-small", 3, Map.of());
        // A page limit far below the partition count: the client follows the cursor.
        for (int limit : new int[] {7, 1, 1000}) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(big, small),
                    new DescribeTopicsOptions().partitionSizeLimitPerResponse(limit).includeAuthorizedOperations(true))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            assertEquals(Set.of(big, small), topics.keySet(), "limit " + limit);
            assertPartitions(topics.get(big), 40);
            assertPartitions(topics.get(small), 3);
            assertFalse(topics.get(big).isInternal());
            assertEquals(Set.of(AclOperation.ALTER, AclOperation.ALTER_CONFIGS, AclOperation.CREATE,
                    AclOperation.DELETE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.READ,
                    AclOperation.WRITE), topics.get(big).authorizedOperations());
        }
        // By id (Metadata): the same partitions.
        TopicDescription byName = admin.describeTopics(List.of(big)).allTopicNames().get().get(big);
        TopicDescription byId = admin.describeTopics(TopicCollection.ofTopicIds(List.of(byName.topicId())))
                .allTopicIds().get().get(byName.topicId());
        assertEquals(big, byId.name());
        assertPartitions(byId, 40);

        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of(big, unique("no-such-topic"))).allTopicNames().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(unknown));
    }

    @Test
    void elect_leaders_is_not_needed() throws Exception {
        String topic = topic("elect", 2, Map.of());
        Set<TopicPartition> partitions = Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        for (ElectionType type : ElectionType.values()) {
            Map<TopicPartition, Optional<Throwable>> result =
                    admin.electLeaders(type, partitions).partitions().get(20, TimeUnit.SECONDS);
            assertEquals(partitions, result.keySet(), type.toString());
            for (Map.Entry<TopicPartition, Optional<Throwable>> e : result.entrySet()) {
                assertTrue(e.getValue().isPresent(), type + " " + e.getKey());
                assertInstanceOf(ElectionNotNeededException.class, e.getValue().get(), type + " " + e.getKey());
            }
        }
        // A partition that does not exist: UNKNOWN_TOPIC_OR_PARTITION for it.
        TopicPartition missing = new TopicPartition(topic, 9);
        Map<TopicPartition, Optional<Throwable>> result = admin.electLeaders(ElectionType.PREFERRED, Set.of(missing))
                .partitions().get(20, TimeUnit.SECONDS);
        assertInstanceOf(UnknownTopicOrPartitionException.class, result.get(missing).orElseThrow());
    }

    @Test
    void no_reassignments_and_none_to_a_broker_that_does_not_exist() throws Exception {
        String topic = topic("reassign", 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<TopicPartition, PartitionReassignment> none =
                admin.listPartitionReassignments().reassignments().get(20, TimeUnit.SECONDS);
        assertEquals(Map.of(), none);
        assertEquals(Map.of(), admin.listPartitionReassignments(Set.of(tp)).reassignments().get(20, TimeUnit.SECONDS));

        ExecutionException missing = assertThrows(ExecutionException.class, () -> admin.alterPartitionReassignments(
                Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2))))).all().get(20, TimeUnit.SECONDS));
        assertInstanceOf(InvalidReplicaAssignmentException.class, cause(missing));
        ExecutionException cancel = assertThrows(ExecutionException.class, () -> admin
                .alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get(20, TimeUnit.SECONDS));
        assertInstanceOf(NoReassignmentInProgressException.class, cause(cancel));
        // To the replica it already has: accepted, and nothing to list after it.
        admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1))))).all()
                .get(20, TimeUnit.SECONDS);
        assertEquals(Map.of(), admin.listPartitionReassignments(Set.of(tp)).reassignments().get(20, TimeUnit.SECONDS));
        assertPartitions(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic), 1);
    }

    @Test
    void no_transactions_listed() throws Exception {
        Collection<TransactionListing> listed = admin.listTransactions().all().get(20, TimeUnit.SECONDS);
        assertEquals(List.of(), List.copyOf(listed));
    }

    /**
     * The client first looks the transaction coordinator up (FindCoordinator, key type
     * TRANSACTION), then sends DescribeTransactions to it.
     */
    @Test
    void describe_transactions_of_an_unknown_id_is_not_found() {
        String id = unique("no-such-transaction");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.describeTransactions(List.of(id)).all().get(30, TimeUnit.SECONDS));
        assertInstanceOf(TransactionalIdNotFoundException.class, cause(e));
    }

    @Test
    void no_client_quotas() throws Exception {
        Map<ClientQuotaEntity, Map<String, Double>> all =
                admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(20, TimeUnit.SECONDS);
        assertEquals(Map.of(), all);
        ClientQuotaFilter user = ClientQuotaFilter.contains(
                List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice")));
        assertEquals(Map.of(), admin.describeClientQuotas(user).entities().get(20, TimeUnit.SECONDS));
    }
}

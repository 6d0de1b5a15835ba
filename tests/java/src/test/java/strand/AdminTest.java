package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static strand.StrandBroker.TOPIC;
import static strand.StrandBroker.TP;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** The AdminClient calls strand serves (README, "Supported Kafka APIs"), and a clean refusal of one it does not. */
class AdminTest extends AdminClientTest {
    @Test
    void describe_cluster_is_this_one_node() throws Exception {
        // DescribeCluster (60): this broker alone, and the controller.
        DescribeClusterResult cluster = admin.describeCluster();
        Collection<Node> nodes = cluster.nodes().get();
        assertEquals(1, nodes.size());
        Node node = nodes.iterator().next();
        assertEquals(1, node.id());
        assertEquals("127.0.0.1", node.host());
        assertEquals(strand.port, node.port());
        assertEquals(node, cluster.controller().get());
        String clusterId = cluster.clusterId().get();
        assertNotNull(clusterId);
        assertEquals(clusterId, admin.describeCluster().clusterId().get(), "the cluster id is stable");
    }

    @Test
    void list_topics_is_the_one_topic() throws Exception {
        assertEquals(Set.of(TOPIC), admin.listTopics().names().get());
        Collection<TopicListing> listings = admin.listTopics().listings().get();
        assertEquals(1, listings.size());
        TopicListing listing = listings.iterator().next();
        assertFalse(listing.isInternal());
        assertNotNull(listing.topicId());
    }

    @Test
    void describe_topics_shows_one_partition_led_by_this_node() throws Exception {
        TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        assertEquals(TOPIC, topic.name());
        assertFalse(topic.isInternal());
        assertEquals(1, topic.partitions().size());
        TopicPartitionInfo partition = topic.partitions().get(0);
        assertEquals(0, partition.partition());
        assertEquals(1, partition.leader().id());
        assertEquals(List.of(1), partition.replicas().stream().map(Node::id).toList());
        assertEquals(List.of(1), partition.isr().stream().map(Node::id).toList());
        // The same topic id in every listing.
        assertEquals(admin.listTopics().listings().get().iterator().next().topicId(), topic.topicId());
    }

    @Test
    void describe_an_unknown_topic_is_unknown_topic_or_partition() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of("no-such-topic")).allTopicNames().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(e));
    }

    @Test
    void create_topics_an_existing_one_exists_three_replicas_cannot_be_placed() {
        ExecutionException exists = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get());
        assertInstanceOf(TopicExistsException.class, cause(exists));
        ExecutionException replicas = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("three-replicas", 1, (short) 3))).all().get());
        assertInstanceOf(InvalidReplicationFactorException.class, cause(replicas));
    }

    @Test
    void configs_are_described_and_altered_with_their_sources() throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        ConfigEntry retention = admin.describeConfigs(List.of(topic)).all().get(20, TimeUnit.SECONDS).get(topic)
                .get("retention.ms");
        assertEquals("604800000", retention.value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, retention.source());
        AlterConfigOp set = new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(topic, List.of(set))).all().get(20, TimeUnit.SECONDS);
        retention = admin.describeConfigs(List.of(topic)).all().get(20, TimeUnit.SECONDS).get(topic)
                .get("retention.ms");
        assertEquals("3600000", retention.value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source());
        // strand changes no broker config at run time: Kafka's answer for a read-only one.
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        AlterConfigOp hours = new AlterConfigOp(new ConfigEntry("log.retention.hours", "1"), AlterConfigOp.OpType.SET);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.incrementalAlterConfigs(Map.of(broker, List.of(hours))).all().get(20, TimeUnit.SECONDS));
        assertInstanceOf(InvalidRequestException.class, cause(e));
        assertEquals("Cannot update these configs dynamically: [log.retention.hours]", cause(e).getMessage());
    }

    /** A group whose one member committed {@code offset} and is still in it. */
    private KafkaConsumer<String, String> memberOf(String group, long offset) {
        KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.CLIENT_ID_CONFIG, "client-" + group);
        consumer.subscribe(List.of(TOPIC));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!consumer.assignment().contains(TP)) {
            assertTrue(System.nanoTime() < deadline, "no assignment for " + group);
            consumer.poll(Duration.ofMillis(100));
        }
        consumer.commitSync(Map.of(TP, new OffsetAndMetadata(offset)));
        return consumer;
    }

    @Test
    void groups_list_describe_offsets_and_delete() throws Exception {
        try (KafkaConsumer<String, String> live = memberOf("g-live", 0)) {
            memberOf("g-gone", 0).close();
            try (KafkaConsumer<String, String> committed = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-simple")) {
                // assign() and commit: a group with offsets and no members.
                committed.assign(List.of(TP));
                committed.commitSync(Map.of(TP, new OffsetAndMetadata(0, "simple")));
            }

            Map<String, GroupListing> groups = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get()
                    .stream().collect(Collectors.toMap(GroupListing::groupId, g -> g));
            assertEquals(Set.of("g-live", "g-gone", "g-simple"), groups.keySet());
            assertEquals(Optional.of(GroupState.STABLE), groups.get("g-live").groupState());
            assertEquals(Optional.of(GroupState.EMPTY), groups.get("g-gone").groupState());
            assertEquals(Optional.of(GroupType.CLASSIC), groups.get("g-live").type());
            assertEquals("consumer", groups.get("g-live").protocol());
            assertTrue(groups.get("g-simple").isSimpleConsumerGroup());
            assertFalse(groups.get("g-live").isSimpleConsumerGroup());

            // The older listConsumerGroups call says the same.
            @SuppressWarnings("deprecation")
            Set<String> listed = admin.listConsumerGroups().all().get().stream()
                    .map(org.apache.kafka.clients.admin.ConsumerGroupListing::groupId).collect(Collectors.toSet());
            assertEquals(Set.of("g-live", "g-gone", "g-simple"), listed);

            ConsumerGroupDescription live1 =
                    admin.describeConsumerGroups(List.of("g-live")).all().get().get("g-live");
            assertEquals(GroupState.STABLE, live1.groupState());
            assertEquals(GroupType.CLASSIC, live1.type());
            assertEquals("range", live1.partitionAssignor());
            assertFalse(live1.isSimpleConsumerGroup());
            assertEquals(1, live1.coordinator().id());
            assertEquals(1, live1.members().size());
            MemberDescription member = live1.members().iterator().next();
            assertEquals("client-g-live", member.clientId());
            assertEquals(live.groupMetadata().memberId(), member.consumerId());
            assertEquals(Optional.empty(), member.groupInstanceId());
            assertEquals(Set.of(TP), member.assignment().topicPartitions());

            assertEquals(Map.of(TP, new OffsetAndMetadata(0, "simple")),
                    admin.listConsumerGroupOffsets("g-simple").partitionsToOffsetAndMetadata().get());

            // A group with a member cannot be deleted; empty ones can, offsets and all.
            ExecutionException notEmpty = assertThrows(ExecutionException.class,
                    () -> admin.deleteConsumerGroups(List.of("g-live")).all().get());
            assertInstanceOf(GroupNotEmptyException.class, cause(notEmpty));
            admin.deleteConsumerGroups(List.of("g-gone", "g-simple")).all().get();
            assertEquals(Map.of(), admin.listConsumerGroupOffsets("g-simple").partitionsToOffsetAndMetadata().get());
            Set<String> left = admin.listGroups().all().get().stream().map(GroupListing::groupId)
                    .collect(Collectors.toSet());
            assertEquals(Set.of("g-live"), left);
        }
    }

    @Test
    void describe_an_unknown_group_is_group_id_not_found() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.describeConsumerGroups(List.of("never-seen")).all().get());
        assertInstanceOf(GroupIdNotFoundException.class, cause(e));
    }

    @Test
    void alter_and_delete_offsets_of_an_empty_group() throws Exception {
        admin.alterConsumerGroupOffsets("g-alter", Map.of(TP, new OffsetAndMetadata(0, "set by admin"))).all().get();
        assertEquals(Map.of(TP, new OffsetAndMetadata(0, "set by admin")),
                admin.listConsumerGroupOffsets("g-alter").partitionsToOffsetAndMetadata().get());
        admin.deleteConsumerGroupOffsets("g-alter", Set.of(TP)).all().get();
        assertEquals(Map.of(), admin.listConsumerGroupOffsets("g-alter").partitionsToOffsetAndMetadata().get());
    }
}

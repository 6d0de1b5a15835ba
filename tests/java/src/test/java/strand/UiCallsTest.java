package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What kafka-ui (kafbat) and AKHQ ask through the Java AdminClient and a consumer
 * on connect and on their cluster, topic and consumer group pages, in their order
 * and with their options (compat/UIS.md lists the calls and where in their sources
 * they are), and what of each answer the UI renders: a call a UI cannot do without
 * must answer, and what it puts on screen (sizes, configs with their sources,
 * offsets, lag) must be there. Redpanda Console's calls (franz-go) are replayed by
 * compat/ui.sh.
 *
 * Each test makes its own topic and group with a fresh name, so the class also
 * runs against one long-running broker: {@code -Dstrand.bootstrap=HOST:PORT}.
 */
@SuppressWarnings("deprecation") // listConsumerGroups(): what these UIs call
class UiCallsTest extends AdminClientTest {
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 10;
    private static final long COMMITTED = 4;

    private String topic;
    private String group;
    private List<TopicPartition> partitions;
    /** The group's member while a test wants the group STABLE; closed in {@link #closeMember}. */
    private KafkaConsumer<String, String> member;

    @BeforeEach
    void seed() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        topic = "ui-topic-" + id;
        group = "ui-group-" + id;
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        // The default producer is idempotent, so the partitions have producer state to describe.
        try (KafkaProducer<String, String> producer = strand.producer()) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < PER_PARTITION; i++) {
                    producer.send(new ProducerRecord<>(topic, p, "k" + i, "v" + i));
                }
            }
            producer.flush();
        }
        member = strand.consumer("group.id", group);
        member.subscribe(List.of(topic));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (member.assignment().size() < PARTITIONS) {
            member.poll(Duration.ofMillis(200));
            if (System.nanoTime() > deadline) {
                fail("the group member got no full assignment in 30 s: " + member.assignment());
            }
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        partitions.forEach(tp -> commit.put(tp, new OffsetAndMetadata(COMMITTED)));
        member.commitSync(commit);
    }

    @AfterEach
    void closeMember() {
        if (member != null) {
            member.close(Duration.ofSeconds(5));
            member = null;
        }
    }

    // ---------------------------------------------------------------------------------
    // kafka-ui: ReactiveAdminClient.create (ConfigRelatedInfo.extract) and the
    // SupportedFeature probes, on every (re)connect.

    @Test
    void kafkaUiConnect() throws Exception {
        DescribeClusterResult cluster =
                admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(false));
        Collection<Node> nodes = cluster.nodes().get();
        assertFalse(nodes.isEmpty(), "describeCluster: no nodes");
        Node controller = cluster.controller().get();
        assertNotNull(controller, "describeCluster: kafka-ui takes the controller's broker configs");
        assertNotEquals(-1, controller.id(), "describeCluster: controller id -1 (no controller)");
        assertNotNull(cluster.clusterId().get(), "describeCluster: cluster id");

        // Broker configs of the controller: kafka-ui reads delete.topic.enable (topic deletion
        // on or off) and inter.broker.protocol.version (the version, when present) from them.
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(controller.id()));
        Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);
        assertNotNull(config, "describeConfigs BROKER: no config for " + broker);
        assertFalse(config.entries().isEmpty(), "describeConfigs BROKER: no entries");
        // Absent, kafka-ui takes topic deletion as on; "false" would hide its delete buttons.
        ConfigEntry deleteTopics = config.get("delete.topic.enable");
        if (deleteTopics != null) {
            assertEquals("true", deleteTopics.value(), "delete.topic.enable (kafka-ui's topic deletion)");
        }
        for (ConfigEntry entry : config.entries()) {
            assertNotEquals(ConfigEntry.ConfigSource.UNKNOWN, entry.source(), "source of broker config " + entry);
        }

        // Without inter.broker.protocol.version (gone in Kafka 4) the version comes from the
        // finalized metadata.version; with none, or one past its table (which ends at 4.3's
        // level 30, so Kafka 4.4's 33 too), kafka-ui shows "Unknown" and turns off
        // incremental alter configs, config documentation and quota management. strand
        // finalizes no features (it does not keep KRaft's feature levels), so kafka-ui
        // treats it as it treats Kafka 4.4: the call must answer, and a metadata.version,
        // when there is one, must be a level.
        FeatureMetadata features = admin.describeFeatures().featureMetadata().get();
        FinalizedVersionRange metadataVersion = features.finalizedFeatures().get("metadata.version");
        if (metadataVersion != null) {
            assertTrue(metadataVersion.maxVersionLevel() > 0, "metadata.version " + metadataVersion);
        }

        // AUTHORIZED_SECURITY_ENABLED: DescribeAcls answering means ACL pages on; only
        // SecurityDisabled, InvalidRequest or UnsupportedVersion mean "ACLs off" quietly.
        try {
            admin.describeAcls(AclBindingFilter.ANY).values().get();
        } catch (ExecutionException e) {
            assertInstanceOf(SecurityDisabledException.class, e.getCause(), "describeAcls(ANY)");
        }

        // StatisticsService.loadQuorumInfo: UnsupportedVersion means "ZooKeeper"; any other
        // error fails the whole cluster statistics scrape (the cluster shows offline).
        try {
            var quorum = admin.describeMetadataQuorum().quorumInfo().get();
            assertTrue(quorum.leaderId() >= 0, "describeMetadataQuorum leader " + quorum);
        } catch (ExecutionException e) {
            assertInstanceOf(UnsupportedVersionException.class, e.getCause(), "describeMetadataQuorum");
        }
    }

    // ---------------------------------------------------------------------------------
    // kafka-ui: ScrapedClusterState.scrape, every 30 s; the dashboard, the topic list
    // (sizes, message counts) and the consumer list (lag) are rendered from it.

    @Test
    void kafkaUiStatisticsScrape() throws Exception {
        // With a known version (2.3+) it asks for the cluster's authorized operations: ACL
        // editing is offered when they include ALL or ALTER; none (null) means not offered.
        DescribeClusterResult cluster =
                admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true));
        Collection<Node> nodes = cluster.nodes().get();
        assertNotNull(cluster.controller().get(), "controller");
        Set<AclOperation> operations = cluster.authorizedOperations().get();
        assertTrue(operations == null || !operations.isEmpty(), "authorized operations: " + operations);
        List<Integer> ids = nodes.stream().map(Node::id).toList();

        // Phase 1, as one Mono.zip.
        Map<Integer, Map<String, LogDirDescription>> logDirs = admin.describeLogDirs(ids).allDescriptions().get();
        checkLogDirs(logDirs, ids);
        List<String> groups = admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId)
                .toList();
        assertTrue(groups.contains(group), "listConsumerGroups: " + groups);
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
        assertTrue(topics.contains(topic), "listTopics(internal): " + topics);
        Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get();
        checkDescription(descriptions.get(topic));
        Map<ConfigResource, Config> configs = describeTopicConfigs(topics, false);
        checkTopicConfig(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic)), false);

        // Phase 2.
        List<TopicPartition> all = descriptions.values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .toList();
        Map<TopicPartition, Long> latest = offsets(all, OffsetSpec.latest());
        Map<TopicPartition, Long> earliest = offsets(all, OffsetSpec.earliest());
        for (TopicPartition tp : partitions) {
            assertEquals(PER_PARTITION, latest.get(tp), "latest offset of " + tp);
            assertEquals(0L, earliest.get(tp), "earliest offset of " + tp);
        }
        Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(groups).all().get();
        checkGroup(described.get(group), true);
        Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
        groups.forEach(g -> specs.put(g, new ListConsumerGroupOffsetsSpec().topicPartitions(null)));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed =
                admin.listConsumerGroupOffsets(specs).all().get();
        checkLag(committed.get(group), latest);
    }

    // ---------------------------------------------------------------------------------
    // kafka-ui: a topic's pages (overview, messages, consumers, settings, producers) and
    // its "clear messages", "edit settings" actions.

    @Test
    void kafkaUiTopicPages() throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).topicNameValues().get(topic).get();
        checkDescription(description);
        // Settings tab: with documentation (CONFIG_DOCUMENTATION_RETRIEVAL), synonyms always.
        Map<ConfigResource, Config> configs = describeTopicConfigs(List.of(topic), true);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        checkTopicConfig(configs.get(resource), true);

        // Overview: earliest and latest per partition, the message count their difference.
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> latest = offsets(partitions, OffsetSpec.latest());
        long messages = partitions.stream().mapToLong(tp -> latest.get(tp) - earliest.get(tp)).sum();
        assertEquals((long) PARTITIONS * PER_PARTITION, messages, "messages from earliest/latest offsets");

        // Consumers tab: the groups with offsets on this topic and their lag.
        List<String> groups = admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId)
                .toList();
        Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
        groups.forEach(g -> specs.put(g, new ListConsumerGroupOffsetsSpec().topicPartitions(partitions)));
        checkLag(admin.listConsumerGroupOffsets(specs).all().get().get(group), latest);

        // Producers tab: the idempotent producer that wrote every partition.
        Map<TopicPartition, PartitionProducerState> producers = admin.describeProducers(partitions).all().get();
        for (TopicPartition tp : partitions) {
            PartitionProducerState state = producers.get(tp);
            assertNotNull(state, "describeProducers: nothing for " + tp);
            assertEquals(1, state.activeProducers().size(), "active producers of " + tp + ": " + state);
            var producer = state.activeProducers().get(0);
            assertTrue(producer.producerId() >= 0, "producer id " + producer);
            assertEquals(PER_PARTITION - 1, producer.lastSequence(), "last sequence " + producer);
            assertTrue(producer.lastTimestamp() > 0, "last timestamp " + producer);
        }

        // Messages tab: a consumer without a group (OffsetsInfo, the emitters).
        try (KafkaConsumer<String, String> reader = strand.consumer()) {
            assertEquals(PARTITIONS, reader.partitionsFor(topic).size(), "partitionsFor");
            Map<TopicPartition, Long> begin = reader.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            Map<TopicPartition, Long> byTime = new HashMap<>();
            partitions.forEach(tp -> byTime.put(tp, 0L));
            Map<TopicPartition, OffsetAndTimestamp> found = reader.offsetsForTimes(byTime);
            for (TopicPartition tp : partitions) {
                assertEquals(0L, begin.get(tp), "beginningOffsets " + tp);
                assertEquals(PER_PARTITION, end.get(tp), "endOffsets " + tp);
                assertNotNull(found.get(tp), "offsetsForTimes(0) " + tp);
                assertEquals(0L, found.get(tp).offset(), "offsetsForTimes(0) " + tp);
            }
            reader.assign(partitions);
            partitions.forEach(tp -> reader.seek(tp, 0));
            List<ConsumerRecord<String, String>> records = poll(reader, PARTITIONS * PER_PARTITION);
            for (ConsumerRecord<String, String> r : records) {
                assertTrue(r.timestamp() > 0, "timestamp of " + r);
                assertNotNull(r.key(), "key of " + r);
                assertEquals("v" + r.offset(), r.value(), "value of " + r);
            }
        }

        // Edit settings: IncrementalAlterConfigs (SET what the form has, DELETE the dynamic
        // configs it no longer has), then the settings tab again.
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
        ConfigEntry retention = describeTopicConfigs(List.of(topic), true).get(resource).get("retention.ms");
        assertEquals("3600000", retention.value(), "retention.ms after SET");
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source(), "source after SET");
        admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE),
                new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), AlterConfigOp.OpType.SET))))
                .all().get();
        Config after = describeTopicConfigs(List.of(topic), true).get(resource);
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, after.get("retention.ms").source(),
                "retention.ms source after DELETE: " + after.get("retention.ms"));
        assertEquals("2000000", after.get("max.message.bytes").value(), "max.message.bytes after SET");
        // Without a known version kafka-ui falls back to the old AlterConfigs, which the 4.x
        // client no longer has: compat/ui.sh sends it (ui-console's alter-configs-legacy).

        // Clear messages: DeleteRecords up to the latest offsets; the overview then counts 0.
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        latest.forEach((tp, offset) -> delete.put(tp, RecordsToDelete.beforeOffset(offset)));
        var lows = admin.deleteRecords(delete).lowWatermarks();
        for (TopicPartition tp : partitions) {
            assertEquals(PER_PARTITION, lows.get(tp).get().lowWatermark(), "low watermark of " + tp);
        }
        Map<TopicPartition, Long> cleared = offsets(partitions, OffsetSpec.earliest());
        partitions.forEach(tp -> assertEquals(PER_PARTITION, cleared.get(tp), "earliest after clear " + tp));
    }

    // ---------------------------------------------------------------------------------
    // kafka-ui: the consumer group page and its reset/delete actions.

    @Test
    void kafkaUiGroupPages() throws Exception {
        checkGroup(admin.describeConsumerGroups(List.of(group)).all().get().get(group), true);
        Map<String, ListConsumerGroupOffsetsSpec> spec = Map.of(group, new ListConsumerGroupOffsetsSpec());
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(spec).all().get().get(group);
        checkLag(committed, offsets(new ArrayList<>(committed.keySet()), OffsetSpec.latest()));

        // Resetting needs the group empty, as kafka-ui checks before it calls.
        closeMember();
        ConsumerGroupDescription empty = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        assertEquals("EMPTY", empty.groupState().toString().toUpperCase(), "state after the member left");
        Map<TopicPartition, OffsetAndMetadata> reset = new HashMap<>();
        offsets(partitions, OffsetSpec.earliest()).forEach((tp, o) -> reset.put(tp, new OffsetAndMetadata(o)));
        admin.alterConsumerGroupOffsets(group, reset).all().get();
        Map<TopicPartition, OffsetAndMetadata> now = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get();
        partitions.forEach(tp -> assertEquals(0L, now.get(tp).offset(), "offset after reset " + tp));
        admin.deleteConsumerGroupOffsets(group, Set.copyOf(partitions)).all().get();
        assertTrue(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                .allMatch(o -> o == null), "offsets after deleteConsumerGroupOffsets");
        admin.deleteConsumerGroups(List.of(group)).all().get();
        assertFalse(admin.listConsumerGroups().all().get().stream().anyMatch(g -> g.groupId().equals(group)),
                "group listed after deleteConsumerGroups");
    }

    // ---------------------------------------------------------------------------------
    // kafka-ui: brokers page (configs, log dirs), quotas, ACLs.

    @Test
    void kafkaUiBrokerAndOptionalPages() throws Exception {
        List<Integer> ids = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
        List<ConfigResource> brokers = ids.stream()
                .map(id -> new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(id))).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(brokers).all().get();
        for (ConfigResource broker : brokers) {
            Config config = configs.get(broker);
            assertNotNull(config, "describeConfigs " + broker);
            for (ConfigEntry entry : config.entries()) {
                assertNotNull(entry.name(), "broker config without a name");
                assertNotEquals(ConfigEntry.ConfigSource.UNKNOWN, entry.source(), "source of " + entry);
                if (entry.isSensitive()) {
                    assertEquals(null, entry.value(), "a sensitive broker config with a value: " + entry.name());
                }
            }
            assertNotNull(config.get("log.retention.hours"), "log.retention.hours (broker page)");
        }
        checkLogDirs(admin.describeLogDirs(ids).allDescriptions().get(), ids);
        // Quotas page (CLIENT_QUOTA_MANAGEMENT).
        assertTrue(admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get().isEmpty(),
                "describeClientQuotas(all) on a broker without quotas");
        // ACL page, as probed on connect.
        ExecutionException acls = assertThrows(ExecutionException.class,
                () -> admin.describeAcls(AclBindingFilter.ANY).values().get());
        assertInstanceOf(SecurityDisabledException.class, acls.getCause(), "describeAcls without an authorizer");
    }

    // ---------------------------------------------------------------------------------
    // AKHQ: AbstractKafkaWrapper's calls behind its cluster (nodes), topic list and topic
    // page, consumer group list and page, and ACL pages.

    @Test
    void akhqPages() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();
        Collection<Node> nodes = cluster.nodes().get();
        assertFalse(nodes.isEmpty(), "nodes");
        assertNotNull(cluster.controller().get(), "controller");
        assertNotNull(cluster.clusterId().get(), "cluster id");
        List<Integer> ids = nodes.stream().map(Node::id).toList();

        // Topic list: listings with internal ones, descriptions, offsets through a consumer
        // (offsetsForTimes(0) for the first offset, KAFKA-7556), log dirs for sizes,
        // cleanup.policy from the configs.
        Collection<TopicListing> listings = admin.listTopics(new ListTopicsOptions().listInternal(true)).listings().get();
        TopicListing listing = listings.stream().filter(l -> l.name().equals(topic)).findFirst().orElse(null);
        assertNotNull(listing, "listTopics listings: " + listings);
        assertFalse(listing.isInternal(), "isInternal of " + listing);
        checkDescription(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic));
        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            Map<TopicPartition, Long> zero = new HashMap<>();
            partitions.forEach(tp -> zero.put(tp, 0L));
            Map<TopicPartition, OffsetAndTimestamp> begins = consumer.offsetsForTimes(zero);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                assertNotNull(begins.get(tp), "offsetsForTimes(0) " + tp);
                assertEquals(0L, begins.get(tp).offset(), "first offset " + tp);
                assertEquals(PER_PARTITION, ends.get(tp), "endOffsets " + tp);
            }
        }
        checkLogDirs(admin.describeLogDirs(ids).allDescriptions().get(), ids);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config topicConfig = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        checkTopicConfig(topicConfig, false);
        assertEquals("delete", topicConfig.get("cleanup.policy").value(), "cleanup.policy (AKHQ's isCompacted)");

        // Node page: broker configs.
        List<ConfigResource> brokers = ids.stream()
                .map(id -> new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(id))).toList();
        Map<ConfigResource, Config> brokerConfigs = admin.describeConfigs(brokers).all().get();
        brokers.forEach(b -> assertFalse(brokerConfigs.get(b).entries().isEmpty(), "configs of " + b));

        // Topic settings: AKHQ saves with the old AlterConfigs (its kafka-clients is 3.6), which
        // the 4.x client no longer has: compat/ui.sh sends it.

        // Consumer groups: list, describe, the group's offsets, the topics' end offsets.
        Collection<ConsumerGroupListing> groups = admin.listConsumerGroups().all().get();
        assertTrue(groups.stream().anyMatch(g -> g.groupId().equals(group)), "listConsumerGroups: " + groups);
        checkGroup(admin.describeConsumerGroups(List.of(group)).all().get().get(group), true);
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        checkLag(committed, offsets(partitions, OffsetSpec.latest()));

        // Reset offsets: AKHQ commits through a consumer in the (now empty) group.
        closeMember();
        try (KafkaConsumer<String, String> resetter = strand.consumer("group.id", group)) {
            Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
            partitions.forEach(tp -> zero.put(tp, new OffsetAndMetadata(0)));
            resetter.commitSync(zero);
        }
        Map<TopicPartition, OffsetAndMetadata> reset =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        partitions.forEach(tp -> assertEquals(0L, reset.get(tp).offset(), "offset after AKHQ's reset " + tp));

        // Empty topic: DeleteRecords to the end offsets.
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        offsets(partitions, OffsetSpec.latest()).forEach((tp, o) -> delete.put(tp, RecordsToDelete.beforeOffset(o)));
        var lows = admin.deleteRecords(delete).lowWatermarks();
        for (TopicPartition tp : partitions) {
            assertEquals(PER_PARTITION, lows.get(tp).get().lowWatermark(), "low watermark of " + tp);
        }

        // ACL pages: AKHQ lists by principal and by resource. Without an authorizer Kafka
        // answers SECURITY_DISABLED, which reaches AKHQ as an ExecutionException (its catch
        // of ApiException does not see it, so its ACL page shows the error, on Kafka too).
        AclBindingFilter byPrincipal = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter("User:alice", null, AclOperation.ANY, AclPermissionType.ANY));
        AclBindingFilter byResource = new AclBindingFilter(
                new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.ANY), AccessControlEntryFilter.ANY);
        for (AclBindingFilter filter : List.of(byPrincipal, byResource)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeAcls(filter).values().get());
            assertInstanceOf(SecurityDisabledException.class, e.getCause(), "describeAcls " + filter);
        }
    }

    // ---------------------------------------------------------------------------------

    /** kafka-ui's getTopicsConfig: synonyms always, documentation on the settings tab. */
    private Map<ConfigResource, Config> describeTopicConfigs(Collection<String> topics, boolean documentation)
            throws Exception {
        List<ConfigResource> resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        return admin.describeConfigs(resources,
                new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(documentation)).all().get();
    }

    private void checkTopicConfig(Config config, boolean documentation) {
        assertNotNull(config, "no config for " + topic);
        Map<String, ConfigEntry> byName = config.entries().stream()
                .collect(Collectors.toMap(ConfigEntry::name, e -> e));
        for (String name : List.of("cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes",
                "max.message.bytes", "message.timestamp.type", "min.insync.replicas")) {
            ConfigEntry entry = byName.get(name);
            assertNotNull(entry, "topic config " + name + " missing; have " + byName.keySet());
            assertNotNull(entry.value(), "value of " + entry);
            assertNotEquals(ConfigEntry.ConfigSource.UNKNOWN, entry.source(), "source of " + entry);
            if (documentation) {
                assertNotNull(entry.documentation(), "documentation of " + name);
                assertFalse(entry.documentation().isEmpty(), "documentation of " + name);
            }
        }
    }

    private void checkDescription(TopicDescription description) {
        assertNotNull(description, "no description of " + topic);
        assertEquals(PARTITIONS, description.partitions().size(), "partitions of " + description);
        assertNotNull(description.topicId(), "topic id");
        for (TopicPartitionInfo p : description.partitions()) {
            assertNotNull(p.leader(), "leader of " + p + " (kafka-ui skips leaderless topics' offsets)");
            assertEquals(1, p.replicas().size(), "replicas of " + p);
            assertEquals(1, p.isr().size(), "isr of " + p);
        }
    }

    private void checkLogDirs(Map<Integer, Map<String, LogDirDescription>> logDirs, List<Integer> ids) {
        for (int id : ids) {
            Map<String, LogDirDescription> dirs = logDirs.get(id);
            assertNotNull(dirs, "describeLogDirs: nothing for broker " + id + ": " + logDirs);
            assertFalse(dirs.isEmpty(), "describeLogDirs: no dir on broker " + id);
            Map<TopicPartition, ReplicaInfo> replicas = new HashMap<>();
            for (var dir : dirs.entrySet()) {
                assertEquals(null, dir.getValue().error(), "error of log dir " + dir.getKey());
                assertTrue(dir.getValue().totalBytes().isPresent(), "total bytes of " + dir.getKey());
                assertTrue(dir.getValue().usableBytes().isPresent(), "usable bytes of " + dir.getKey());
                replicas.putAll(dir.getValue().replicaInfos());
            }
            for (TopicPartition tp : partitions) {
                ReplicaInfo info = replicas.get(tp);
                assertNotNull(info, "describeLogDirs: no replica of " + tp + " (kafka-ui's topic size)");
                assertTrue(info.size() > 0, "size of " + tp + ": " + info);
                assertEquals(0, info.offsetLag(), "offset lag of " + tp);
                assertFalse(info.isFuture(), "future replica " + tp);
            }
        }
    }

    private void checkGroup(ConsumerGroupDescription description, boolean withMember) {
        assertNotNull(description, "no description of " + group);
        assertNotNull(description.coordinator(), "coordinator of " + description);
        assertFalse(description.isSimpleConsumerGroup(), "simple group? " + description);
        if (withMember) {
            assertEquals("STABLE", description.groupState().toString().toUpperCase(), "state of " + description);
            assertFalse(description.partitionAssignor().isEmpty(), "assignor of " + description);
            assertEquals(1, description.members().size(), "members of " + description);
            MemberDescription m = description.members().iterator().next();
            assertFalse(m.consumerId().isEmpty(), "member id");
            assertFalse(m.clientId().isEmpty(), "client id");
            assertFalse(m.host().isEmpty(), "host");
            assertEquals(Set.copyOf(partitions), m.assignment().topicPartitions(), "assignment of " + m);
        }
    }

    private void checkLag(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> latest) {
        assertNotNull(committed, "no committed offsets of " + group);
        long lag = 0;
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata offset = committed.get(tp);
            assertNotNull(offset, "committed offset of " + tp + ": " + committed);
            assertEquals(COMMITTED, offset.offset(), "committed offset of " + tp);
            assertNotNull(latest.get(tp), "latest offset of " + tp);
            lag += latest.get(tp) - offset.offset();
        }
        assertEquals((long) PARTITIONS * (PER_PARTITION - COMMITTED), lag, "the group's lag");
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> tps, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        tps.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (out.size() < count) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            if (System.nanoTime() > deadline) {
                fail("read " + out.size() + " of " + count + " records in 20 s");
            }
        }
        assertEquals(count, out.size(), "records read");
        return out;
    }
}

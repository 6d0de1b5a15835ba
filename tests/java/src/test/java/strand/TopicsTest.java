package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static strand.StrandBroker.TOPIC;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Topics and partitions created, altered and deleted at run time with the Java
 * AdminClient, then produced to and consumed across their partitions. Kafka's
 * brokers learn of a change from their controller a moment after the admin call
 * returns (strand at once), so what follows a change waits for it to show.
 */
class TopicsTest extends AdminClientTest {
    /** Polls {@code get} until it returns {@code want} (10 s), then asserts on the last value. */
    private static <T> T await(T want, Supplier<T> get, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        T got = get.get();
        while (!want.equals(got) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            got = get.get();
        }
        assertEquals(want, got, what);
        return got;
    }

    private Set<String> names() {
        try {
            return admin.listTopics().names().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("listTopics", e);
        }
    }

    /** Partition count per topic as describeTopics says, -1 for an unknown topic. */
    private int partitions(String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        } catch (ExecutionException e) {
            if (cause(e) instanceof UnknownTopicOrPartitionException) {
                return -1;
            }
            throw new AssertionError("describeTopics " + topic, e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private TopicDescription describe(String topic) throws Exception {
        await(true, () -> partitions(topic) > 0, topic + " described");
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    private CreateTopicsResult create(NewTopic... topics) throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(topics));
        result.all().get();
        for (NewTopic topic : topics) {
            await(true, () -> partitions(topic.name()) > 0, topic.name() + " visible");
        }
        return result;
    }

    private static void assertLedByThisNode(TopicDescription topic, int count) {
        assertEquals(IntStream.range(0, count).boxed().toList(),
                topic.partitions().stream().map(TopicPartitionInfo::partition).toList(), topic.name());
        for (TopicPartitionInfo p : topic.partitions()) {
            assertEquals(1, p.leader().id(), topic.name() + "[" + p.partition() + "] leader");
            assertEquals(List.of(1), p.replicas().stream().map(Node::id).toList());
            assertEquals(List.of(1), p.isr().stream().map(Node::id).toList());
        }
    }

    @Test
    void create_with_partitions_configs_and_the_broker_defaults() throws Exception {
        CreateTopicsResult result = create(
                new NewTopic("orders", 6, (short) 1).configs(Map.of("retention.ms", "3600000", "segment.bytes",
                        "1048576")),
                new NewTopic("payments", Optional.empty(), Optional.empty()));
        assertEquals(6, result.numPartitions("orders").get());
        assertEquals(1, result.replicationFactor("orders").get());
        // -1 partitions and replication factor: num.partitions (1) and one replica.
        assertEquals(1, result.numPartitions("payments").get());
        assertEquals(1, result.replicationFactor("payments").get());
        Uuid ordersId = result.topicId("orders").get();
        Uuid paymentsId = result.topicId("payments").get();
        assertNotEquals(Uuid.ZERO_UUID, ordersId);
        assertNotEquals(ordersId, paymentsId);

        assertEquals(Set.of(TOPIC, "orders", "payments"), names());
        TopicDescription orders = describe("orders");
        assertLedByThisNode(orders, 6);
        assertEquals(ordersId, orders.topicId());
        assertFalse(orders.isInternal());
        assertLedByThisNode(describe("payments"), 1);

        // By id, too (Metadata v12 with topic ids).
        Map<Uuid, TopicDescription> byId =
                admin.describeTopics(TopicCollection.ofTopicIds(List.of(ordersId, paymentsId))).allTopicIds().get();
        assertEquals("orders", byId.get(ordersId).name());
        assertEquals("payments", byId.get(paymentsId).name());
    }

    @Test
    void create_topics_answers_with_the_topic_configs() throws Exception {
        CreateTopicsResult result = create(new NewTopic("configured", 2, (short) 1)
                .configs(Map.of("retention.ms", "3600000", "message.timestamp.type", "LogAppendTime")));
        Config config = result.config("configured").get();
        assertEquals("3600000", config.get("retention.ms").value());
        assertEquals("LogAppendTime", config.get("message.timestamp.type").value());
        // One the request left out: the broker's default.
        assertEquals("delete", config.get("cleanup.policy").value());
    }

    @Test
    void validate_only_creates_nothing_and_reports_what_it_would() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("dry", 4, (short) 1)),
                new CreateTopicsOptions().validateOnly(true));
        result.all().get();
        assertEquals(4, result.numPartitions("dry").get());
        Thread.sleep(500);
        assertEquals(Set.of(TOPIC), names());
        ExecutionException exists = assertThrows(ExecutionException.class, () -> admin.createTopics(
                List.of(new NewTopic(TOPIC, 1, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get());
        assertInstanceOf(TopicExistsException.class, cause(exists));
    }

    private void assertCreateFails(Class<? extends Throwable> expected, NewTopic topic) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(topic)).all().get(), topic.toString());
        assertInstanceOf(expected, cause(e), topic.toString());
    }

    @Test
    void bad_creates_get_kafkas_errors_and_create_nothing() throws Exception {
        assertCreateFails(TopicExistsException.class, new NewTopic(TOPIC, 1, (short) 1));
        for (String bad : List.of("bad/name", "..", ".", "x".repeat(250), "tab\tbed")) {
            assertCreateFails(InvalidTopicException.class, new NewTopic(bad, 1, (short) 1));
        }
        assertCreateFails(InvalidReplicationFactorException.class, new NewTopic("rf3", 1, (short) 3));
        assertCreateFails(InvalidPartitionsException.class, new NewTopic("p0", 0, (short) 1));
        assertCreateFails(InvalidConfigurationException.class,
                new NewTopic("cfg1", 1, (short) 1).configs(Map.of("no.such.config", "1")));
        assertCreateFails(InvalidConfigurationException.class,
                new NewTopic("cfg2", 1, (short) 1).configs(Map.of("retention.ms", "soon")));
        assertCreateFails(InvalidConfigurationException.class,
                new NewTopic("cfg3", 1, (short) 1).configs(Map.of("message.timestamp.type", "WallClock")));
        // A name that differs from an existing one only in '.' vs '_' collides.
        create(new NewTopic("a.b", 1, (short) 1));
        assertCreateFails(InvalidTopicException.class, new NewTopic("a_b", 1, (short) 1));
        Thread.sleep(500);
        assertEquals(Set.of(TOPIC, "a.b"), names());
    }

    @Test
    void create_partitions_only_increases() throws Exception {
        create(new NewTopic("grow", 2, (short) 1));
        admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(5))).all().get();
        await(5, () -> partitions("grow"), "partitions after 2 -> 5");
        admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(8)),
                new CreatePartitionsOptions().validateOnly(true)).all().get();
        for (int fewer : new int[] {3, 5}) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(fewer))).all().get());
            assertInstanceOf(InvalidPartitionsException.class, cause(e), "5 -> " + fewer);
        }
        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> admin.createPartitions(Map.of("nope", NewPartitions.increaseTo(3))).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(unknown));
        Thread.sleep(500);
        assertEquals(5, partitions("grow"), "a validate_only 8 and the refused ones left 5");
        assertLedByThisNode(describe("grow"), 5);

        // The new partitions take records.
        try (KafkaProducer<String, String> producer = strand.producer()) {
            RecordMetadata m = producer.send(new ProducerRecord<>("grow", 4, "k", "v")).get(20, TimeUnit.SECONDS);
            assertEquals(new TopicPartition("grow", 4), new TopicPartition(m.topic(), m.partition()));
            assertEquals(0, m.offset());
        }
    }

    @Test
    void delete_by_name_and_by_id() throws Exception {
        CreateTopicsResult created = create(new NewTopic("by-name", 2, (short) 1),
                new NewTopic("by-id", 3, (short) 1), new NewTopic("stays", 1, (short) 1));
        Uuid id = created.topicId("by-id").get();
        admin.deleteTopics(List.of("by-name")).all().get();
        admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get();
        await(Set.of(TOPIC, "stays"), this::names, "topics after the deletes");
        await(-1, () -> partitions("by-name"), "by-name described");
        await(-1, () -> partitions("by-id"), "by-id described");

        ExecutionException byName = assertThrows(ExecutionException.class,
                () -> admin.deleteTopics(List.of("by-name")).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(byName));
        ExecutionException byId = assertThrows(ExecutionException.class,
                () -> admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get());
        assertInstanceOf(UnknownTopicIdException.class, cause(byId));
        ExecutionException never = assertThrows(ExecutionException.class,
                () -> admin.deleteTopics(TopicCollection.ofTopicIds(List.of(Uuid.randomUuid()))).all().get());
        assertInstanceOf(UnknownTopicIdException.class, cause(never));
    }

    @Test
    void a_topic_deleted_and_created_again_is_new_and_empty() throws Exception {
        Uuid first = create(new NewTopic("again", 2, (short) 1)).topicId("again").get();
        try (KafkaProducer<String, String> producer = strand.producer()) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("again", i % 2, "k" + i, "old")).get(20, TimeUnit.SECONDS);
            }
        }
        admin.deleteTopics(List.of("again")).all().get();
        await(-1, () -> partitions("again"), "again described after delete");
        // Kafka may still be finishing the delete for a moment: TopicExists until then.
        CreateTopicsResult second = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (second == null) {
            try {
                second = create(new NewTopic("again", 3, (short) 1));
            } catch (ExecutionException e) {
                assertInstanceOf(TopicExistsException.class, cause(e));
                assertTrue(System.nanoTime() < deadline, "still TopicExists 10 s after the delete");
                Thread.sleep(200);
            }
        }
        assertNotEquals(first, second.topicId("again").get());
        assertEquals(3, describe("again").partitions().size());
        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            List<TopicPartition> tps = IntStream.range(0, 3).mapToObj(p -> new TopicPartition("again", p)).toList();
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            assertEquals(tps.stream().collect(Collectors.toMap(tp -> tp, tp -> 0L)), ends, "no old record came back");
        }
    }

    @Test
    void keyed_records_land_where_murmur2_says_and_each_partition_reads_them_back() throws Exception {
        int count = 8;
        create(new NewTopic("keyed", count, (short) 1),
                new NewTopic("stamped", 1, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime")));
        Map<Integer, List<String>> sent = new HashMap<>();
        long old = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5)) {
            List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                futures.add(producer.send(new ProducerRecord<>("keyed", null, old, "key-" + i, "value-" + i)));
            }
            for (int i = 0; i < 400; i++) {
                RecordMetadata m = futures.get(i).get(30, TimeUnit.SECONDS);
                byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
                // The Java client's built-in partitioner for keyed records.
                assertEquals(Utils.toPositive(Utils.murmur2(key)) % count, m.partition(), "key-" + i);
                List<String> keys = sent.computeIfAbsent(m.partition(), p -> new ArrayList<>());
                assertEquals(keys.size(), m.offset(), "offset of key-" + i + " in partition " + m.partition());
                keys.add("key-" + i);
            }
            producer.send(new ProducerRecord<>("stamped", null, old, "k", "v")).get(30, TimeUnit.SECONDS);
        }
        assertEquals(count, sent.size(), "400 keys spread over every partition");

        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            List<TopicPartition> tps = IntStream.range(0, count).mapToObj(p -> new TopicPartition("keyed", p)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<Integer, List<String>> got = new HashMap<>();
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (n < 400 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    List<String> keys = got.computeIfAbsent(r.partition(), p -> new ArrayList<>());
                    assertEquals(keys.size(), r.offset());
                    assertEquals(TimestampType.CREATE_TIME, r.timestampType());
                    assertEquals(old, r.timestamp());
                    keys.add(r.key());
                    n++;
                }
            }
            assertEquals(sent, got, "each partition holds exactly the records delivered to it, in order");

            TopicPartition stamped = new TopicPartition("stamped", 0);
            consumer.assign(List.of(stamped));
            consumer.seekToBeginning(List.of(stamped));
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(1, records.size());
            assertEquals(TimestampType.LOG_APPEND_TIME, records.get(0).timestampType());
            assertTrue(records.get(0).timestamp() > old + 3_000_000, "the broker's time, not the producer's");
        }
    }

    @Test
    void explicit_assignments_to_this_broker_are_served_to_another_refused() throws Exception {
        // Kafka takes the assignments in any order: these come as 2, 0, 1.
        Map<Integer, List<Integer>> unordered = new java.util.LinkedHashMap<>();
        unordered.put(2, List.of(1));
        unordered.put(0, List.of(1));
        unordered.put(1, List.of(1));
        CreateTopicsResult result = create(new NewTopic("assigned", unordered));
        assertEquals(3, result.numPartitions("assigned").get());
        assertLedByThisNode(describe("assigned"), 3);
        assertCreateFails(InvalidReplicaAssignmentException.class,
                new NewTopic("elsewhere", Map.of(0, List.of(2))));
        assertCreateFails(InvalidReplicaAssignmentException.class,
                new NewTopic("gap", Map.of(0, List.of(1), 2, List.of(1))));
        admin.createPartitions(Map.of("assigned", NewPartitions.increaseTo(4, List.of(List.of(1))))).all().get();
        await(4, () -> partitions("assigned"), "partitions after an assigned increase");
        ExecutionException e = assertThrows(ExecutionException.class, () -> admin
                .createPartitions(Map.of("assigned", NewPartitions.increaseTo(5, List.of(List.of(2))))).all().get());
        assertInstanceOf(InvalidReplicaAssignmentException.class, cause(e));
    }

    @Test
    void deleting_a_topic_removes_its_committed_offsets() throws Exception {
        create(new NewTopic("committed", 2, (short) 1));
        TopicPartition gone0 = new TopicPartition("committed", 0);
        TopicPartition gone1 = new TopicPartition("committed", 1);
        TopicPartition kept = new TopicPartition(TOPIC, 0);
        admin.alterConsumerGroupOffsets("g-topics", Map.of(gone0, new OffsetAndMetadata(0),
                gone1, new OffsetAndMetadata(0), kept, new OffsetAndMetadata(0))).all().get();
        assertEquals(Set.of(gone0, gone1, kept),
                admin.listConsumerGroupOffsets("g-topics").partitionsToOffsetAndMetadata().get().keySet());
        admin.deleteTopics(List.of("committed")).all().get();
        await(Set.of(kept), () -> {
            try {
                return admin.listConsumerGroupOffsets("g-topics").partitionsToOffsetAndMetadata().get().keySet();
            } catch (InterruptedException | ExecutionException ex) {
                throw new AssertionError(ex);
            }
        }, "the group's committed offsets after the delete");
    }

    @Test
    void auto_creation_by_produce_and_by_metadata() throws Exception {
        try (StrandBroker auto = StrandBroker.start("--auto-create-topics", "true", "--num-partitions", "3");
                Admin autoAdmin = auto.admin()) {
            try (KafkaProducer<String, String> producer = auto.producer()) {
                RecordMetadata m = producer.send(new ProducerRecord<>("made-by-produce", "k", "v"))
                        .get(30, TimeUnit.SECONDS);
                assertEquals(0, m.offset());
                assertEquals(3, producer.partitionsFor("made-by-produce").size());
            }
            // The consumer asks Metadata to create it (allow.auto.create.topics defaults to true).
            try (KafkaConsumer<String, String> consumer = auto.consumer()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                List<PartitionInfo> parts = consumer.partitionsFor("made-by-metadata");
                while (parts.size() != 3 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    parts = consumer.partitionsFor("made-by-metadata");
                }
                assertEquals(3, parts.size());
            }
            try (KafkaConsumer<String, String> consumer = auto.consumer("allow.auto.create.topics", false)) {
                assertEquals(List.of(), consumer.partitionsFor("not-made"));
            }
            Set<String> names = autoAdmin.listTopics().names().get();
            assertTrue(names.containsAll(Set.of("made-by-produce", "made-by-metadata")), names.toString());
            assertFalse(names.contains("not-made"), names.toString());
            assertNotNull(autoAdmin.describeTopics(List.of("made-by-produce")).allTopicNames().get());
        }
    }
}

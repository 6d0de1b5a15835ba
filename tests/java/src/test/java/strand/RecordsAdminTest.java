package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/**
 * DeleteRecords, ListOffsets by every OffsetSpec, DescribeLogDirs and
 * DescribeProducers through the Java AdminClient, on topics of their own.
 */
class RecordsAdminTest extends SharedBrokerTest {
    private ListOffsetsResultInfo offset(TopicPartition tp, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(20, TimeUnit.SECONDS);
    }

    private List<ConsumerRecord<String, String>> readAll(TopicPartition tp, int want) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer()) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (records.size() < want && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @Test
    void delete_records_moves_the_log_start_and_hides_what_is_below() throws Exception {
        String topic = topic("delete-records", 2, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        TopicPartition other = new TopicPartition(topic, 1);
        produce(topic, 0, 10);
        produce(topic, 1, 5);

        long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).lowWatermarks().get(tp)
                .get(20, TimeUnit.SECONDS).lowWatermark();
        assertEquals(4, low);
        assertEquals(4, offset(tp, OffsetSpec.earliest()).offset());
        assertEquals(10, offset(tp, OffsetSpec.latest()).offset());
        List<ConsumerRecord<String, String>> left = readAll(tp, 6);
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L), left.stream().map(ConsumerRecord::offset).toList());
        assertEquals("k4", left.get(0).key());

        // Lower than the log start: nothing moves, the answer is the current start.
        assertEquals(4, admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(2))).lowWatermarks().get(tp)
                .get(20, TimeUnit.SECONDS).lowWatermark());
        // -1: up to the high watermark.
        assertEquals(5, admin.deleteRecords(Map.of(other, RecordsToDelete.beforeOffset(-1))).lowWatermarks()
                .get(other).get(20, TimeUnit.SECONDS).lowWatermark());
        assertEquals(5, offset(other, OffsetSpec.earliest()).offset());
        assertEquals(5, offset(other, OffsetSpec.latest()).offset());
        // New records continue from the high watermark.
        assertEquals(5, produce(topic, 1, 1).offset());

        // Beyond the high watermark: OFFSET_OUT_OF_RANGE, and the start stays.
        ExecutionException beyond = assertThrows(ExecutionException.class, () -> admin
                .deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(11))).all().get(20, TimeUnit.SECONDS));
        assertInstanceOf(OffsetOutOfRangeException.class, cause(beyond));
        assertEquals(4, offset(tp, OffsetSpec.earliest()).offset());
        // All of them: the partition is empty but its offsets go on.
        assertEquals(10, admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(10))).lowWatermarks()
                .get(tp).get(20, TimeUnit.SECONDS).lowWatermark());
        assertEquals(10, offset(tp, OffsetSpec.earliest()).offset());
        assertEquals(10, produce(topic, 0, 1).offset());
    }

    // DeleteRecords and DescribeProducers for an unknown topic: the Java client looks the
    // partition's leader up in Metadata and retries UNKNOWN_TOPIC_OR_PARTITION until its
    // timeout, against Kafka as against strand, so there is no broker answer to check.

    @Test
    void list_offsets_by_every_spec() throws Exception {
        String topic = topic("list-offsets", 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        // Empty: earliest = latest = 0; max timestamp and by time find nothing.
        assertEquals(0, offset(tp, OffsetSpec.earliest()).offset());
        assertEquals(0, offset(tp, OffsetSpec.latest()).offset());
        assertEquals(-1, offset(tp, OffsetSpec.forTimestamp(0)).offset());

        long base = System.currentTimeMillis() - 60_000;
        // Timestamps out of order: the highest is at offset 2.
        long[] stamps = {base, base + 1000, base + 5000, base + 3000, base + 4000};
        try (KafkaProducer<String, String> producer = broker.producer(ProducerConfig.LINGER_MS_CONFIG, 0)) {
            for (int i = 0; i < stamps.length; i++) {
                producer.send(new ProducerRecord<>(topic, 0, stamps[i], "k" + i, "v" + i)).get(20, TimeUnit.SECONDS);
            }
        }
        assertEquals(0, offset(tp, OffsetSpec.earliest()).offset());
        ListOffsetsResultInfo latest = offset(tp, OffsetSpec.latest());
        assertEquals(5, latest.offset());
        assertEquals(-1, latest.timestamp());
        ListOffsetsResultInfo max = offset(tp, OffsetSpec.maxTimestamp());
        assertEquals(2, max.offset());
        assertEquals(base + 5000, max.timestamp());
        // The first record at or after the time.
        ListOffsetsResultInfo at = offset(tp, OffsetSpec.forTimestamp(base + 2000));
        assertEquals(2, at.offset());
        assertEquals(base + 5000, at.timestamp());
        assertEquals(0, offset(tp, OffsetSpec.forTimestamp(base - 1)).offset());
        assertEquals(1, offset(tp, OffsetSpec.forTimestamp(base + 1000)).offset());
        ListOffsetsResultInfo after = offset(tp, OffsetSpec.forTimestamp(base + 6000));
        assertEquals(-1, after.offset());
        assertEquals(-1, after.timestamp());
        for (ListOffsetsResultInfo info : List.of(latest, max, at)) {
            assertEquals(Optional.of(0), info.leaderEpoch(), "a fresh partition's leader epoch");
        }

        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> offset(new TopicPartition(unique("nope"), 0), OffsetSpec.latest()));
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(unknown));
    }

    @Test
    void describe_log_dirs_lists_every_partition_with_its_size() throws Exception {
        String topic = topic("log-dirs", 3, Map.of());
        produce(topic, 0, 20);
        produce(topic, 2, 1);
        Map<Integer, Map<String, LogDirDescription>> all =
                admin.describeLogDirs(List.of(1)).allDescriptions().get(20, TimeUnit.SECONDS);
        assertEquals(List.of(1), List.copyOf(all.keySet()));
        Map<String, LogDirDescription> dirs = all.get(1);
        assertEquals(1, dirs.size(), dirs.toString());
        String path = dirs.keySet().iterator().next();
        LogDirDescription dir = dirs.get(path);
        assertTrue(path.startsWith("/"), path);
        assertEquals(null, dir.error());
        assertTrue(dir.totalBytes().isPresent() && dir.totalBytes().getAsLong() > 0, "total bytes");
        assertTrue(dir.usableBytes().isPresent() && dir.usableBytes().getAsLong() > 0, "usable bytes");
        assertTrue(dir.usableBytes().getAsLong() <= dir.totalBytes().getAsLong());
        Map<TopicPartition, ReplicaInfo> replicas = dir.replicaInfos();
        ReplicaInfo p0 = replicas.get(new TopicPartition(topic, 0));
        ReplicaInfo p1 = replicas.get(new TopicPartition(topic, 1));
        ReplicaInfo p2 = replicas.get(new TopicPartition(topic, 2));
        assertNotNull(p0, replicas.keySet().toString());
        assertNotNull(p1);
        assertNotNull(p2);
        assertEquals(0, p1.size(), "an empty partition");
        assertTrue(p0.size() > p2.size() && p2.size() > 0, p0.size() + " vs " + p2.size());
        for (ReplicaInfo info : List.of(p0, p1, p2)) {
            assertEquals(0, info.offsetLag());
            assertFalse(info.isFuture());
        }

        // The same for one replica at a time.
        TopicPartitionReplica replica = new TopicPartitionReplica(topic, 0, 1);
        ReplicaLogDirInfo info = admin.describeReplicaLogDirs(List.of(replica)).all().get(20, TimeUnit.SECONDS)
                .get(replica);
        assertEquals(path, info.getCurrentReplicaLogDir());
        assertEquals(0, info.getCurrentReplicaOffsetLag());
        assertEquals(null, info.getFutureReplicaLogDir());
    }

    @Test
    void describe_producers_after_an_idempotent_send() throws Exception {
        String topic = topic("producers", 2, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        TopicPartition idle = new TopicPartition(topic, 1);
        RecordMetadata last = produce(topic, 0, 3, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all");
        Map<TopicPartition, PartitionProducerState> states =
                admin.describeProducers(List.of(tp, idle)).all().get(20, TimeUnit.SECONDS);
        List<ProducerState> active = states.get(tp).activeProducers();
        assertEquals(1, active.size(), active.toString());
        ProducerState producer = active.get(0);
        assertTrue(producer.producerId() >= 0);
        assertEquals(0, producer.producerEpoch());
        assertEquals(2, producer.lastSequence(), "three records, sequences 0..2");
        assertEquals(last.timestamp(), producer.lastTimestamp());
        assertTrue(producer.currentTransactionStartOffset().isEmpty(), "no transaction");
        assertEquals(List.of(), states.get(idle).activeProducers());
    }
}

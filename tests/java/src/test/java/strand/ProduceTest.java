package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static strand.StrandBroker.TOPIC;
import static strand.StrandBroker.TP;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Java producer against strand: every acks level, idempotence, every codec, read back exactly. */
class ProduceTest extends BrokerTest {
    /** Reads the partition from offset 0 with assign() until {@code count} records arrived. */
    static List<ConsumerRecord<String, String>> readAll(StrandBroker strand, int count) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static void assertReadBack(List<ConsumerRecord<String, String>> records, int count, String prefix) {
        assertEquals(count, records.size(), "records read back");
        for (int i = 0; i < count; i++) {
            ConsumerRecord<String, String> record = records.get(i);
            assertEquals(i, record.offset());
            assertEquals("k" + i, record.key());
            assertEquals(prefix + i, record.value());
            assertEquals(0, record.partition());
        }
    }

    @ParameterizedTest(name = "acks={0}")
    @ValueSource(strings = {"1", "all", "-1"})
    void acknowledged_sends_get_consecutive_offsets_from_zero(String acks) throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.ACKS_CONFIG, acks,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false)) {
            for (int i = 0; i < 5; i++) {
                RecordMetadata metadata = producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)).get();
                assertEquals(i, metadata.offset());
                assertTrue(metadata.hasOffset());
                assertEquals(TOPIC, metadata.topic());
                assertEquals(0, metadata.partition());
            }
        }
        assertReadBack(readAll(strand, 5), 5, "v");
    }

    @Test
    void acks_zero_sends_have_no_offset_but_are_stored() throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.ACKS_CONFIG, "0",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "k" + i, "z" + i)));
                // One request per record, so the log holds them in send order whatever the batching.
                producer.flush();
            }
            for (Future<RecordMetadata> future : sent) {
                RecordMetadata metadata = future.get();
                assertFalse(metadata.hasOffset(), "acks=0 has no offset");
                assertEquals(-1, metadata.offset());
            }
        }
        assertReadBack(readAll(strand, 5), 5, "z");
    }

    @Test
    void idempotent_producer_batches_land_once_in_order() throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "k" + i, "i" + i)));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(i, sent.get(i).get().offset());
            }
        }
        assertReadBack(readAll(strand, 200), 200, "i");
    }

    @ParameterizedTest(name = "compression.type={0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void compressed_batches_round_trip(String codec) throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.LINGER_MS_CONFIG, 50, ProducerConfig.ACKS_CONFIG, "all")) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                // Repetitive values so every codec actually compresses.
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "k" + i, codec + "-" + "x".repeat(100) + i)));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(i, sent.get(i).get().offset());
            }
        }
        assertReadBack(readAll(strand, 50), 50, codec + "-" + "x".repeat(100));
    }

    @Test
    void timestamps_and_headers_round_trip() throws Exception {
        long timestamp = 1_700_000_000_123L;
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "abc".getBytes(StandardCharsets.UTF_8));
        headers.add("empty", new byte[0]);
        try (KafkaProducer<String, String> producer = strand.producer()) {
            RecordMetadata metadata =
                    producer.send(new ProducerRecord<>(TOPIC, 0, timestamp, "k0", "v0", headers)).get();
            assertEquals(0, metadata.offset());
            assertEquals(timestamp, metadata.timestamp());
            producer.send(new ProducerRecord<>(TOPIC, null, (String) null)).get();
        }
        List<ConsumerRecord<String, String>> records = readAll(strand, 2);
        assertEquals(2, records.size());
        ConsumerRecord<String, String> first = records.get(0);
        assertEquals(timestamp, first.timestamp());
        assertEquals(TimestampType.CREATE_TIME, first.timestampType());
        assertEquals("abc", new String(first.headers().lastHeader("trace").value(), StandardCharsets.UTF_8));
        assertEquals(0, first.headers().lastHeader("empty").value().length);
        assertEquals(2, first.headers().toArray().length);
        ConsumerRecord<String, String> second = records.get(1);
        assertEquals(1, second.offset());
        assertEquals(null, second.key());
        assertEquals(null, second.value());
    }

    @Test
    void unknown_topic_is_never_in_metadata() {
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("no-such-topic", "k", "v")).get());
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertEquals("Topic no-such-topic not present in metadata after 2000 ms.", e.getCause().getMessage());
        }
    }

    @Test
    void partition_beyond_the_one_strand_serves_is_never_in_metadata() throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000)) {
            assertEquals(1, producer.partitionsFor(TOPIC).size());
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(TOPIC, 1, "k", "v")).get());
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertEquals("Partition 1 of topic events with partition count 1 is not present in metadata after 2000 ms.",
                    e.getCause().getMessage());
        }
    }

    /**
     * Kafka 4's message.timestamp.after.max.ms (one hour by default): a record two days
     * ahead fails with InvalidTimestampException carrying the broker's record error, and
     * nothing is stored; the next record takes offset 0.
     */
    @ParameterizedTest(name = "compression.type={0}")
    @ValueSource(strings = {"none", "lz4"})
    void a_record_two_days_ahead_is_invalid_timestamp_and_not_stored(String codec) throws Exception {
        long twoDaysAhead = System.currentTimeMillis() + 2 * 86_400_000L;
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.ACKS_CONFIG, "all")) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer
                    .send(new ProducerRecord<>(TOPIC, 0, twoDaysAhead, "k", "future")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(InvalidTimestampException.class, e.getCause());
            String expected = "Timestamp " + twoDaysAhead + " of message with offset 0 is out of range.";
            assertTrue(e.getCause().getMessage().startsWith(expected), e.getCause().getMessage());
            assertEquals(0, producer.send(new ProducerRecord<>(TOPIC, "k0", "now0")).get().offset());
        }
        assertReadBack(readAll(strand, 1), 1, "now");
    }

    /**
     * A LogAppendTime topic: the producer's RecordMetadata carries the time the broker
     * stamped (Produce's log_append_time), and the consumer reads that time as the
     * record's, typed LOG_APPEND_TIME, whatever the producer said.
     */
    @Test
    void a_log_append_time_topic_hands_producer_and_consumer_the_brokers_time() throws Exception {
        String topic = "stamped";
        try (Admin admin = strand.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                    .configs(java.util.Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
        }
        long producerTime = 1_700_000_000_000L;
        long before = System.currentTimeMillis();
        RecordMetadata metadata;
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip")) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true) {
                // Kafka's broker learns of a new topic a moment after creating it.
                try {
                    metadata = producer.send(new ProducerRecord<>(topic, 0, producerTime, "k", "v")).get();
                    break;
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
        }
        long after = System.currentTimeMillis();
        assertTrue(metadata.timestamp() >= before && metadata.timestamp() <= after, "stamped " + metadata.timestamp());
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(1, records.size());
            assertEquals(TimestampType.LOG_APPEND_TIME, records.get(0).timestampType());
            assertEquals(metadata.timestamp(), records.get(0).timestamp());
        }
    }
}

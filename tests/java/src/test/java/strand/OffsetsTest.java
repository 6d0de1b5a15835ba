package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static strand.StrandBroker.TOPIC;
import static strand.StrandBroker.TP;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.Test;

/** Offsets a consumer can ask for: by time, earliest, latest, max timestamp, and where a reset lands. */
class OffsetsTest extends BrokerTest {
    /** Far enough in the past that no record produced "now" can collide. */
    private static final long T0 = 1_600_000_000_000L;

    /**
     * Six records at T0, T0+10, ..., T0+50, with T0+100 at offset 6 and T0+30
     * again at offset 7 (timestamps need not grow). Offsets 0-2 go in one
     * batch, 3-5 in another, 6 and 7 alone, so lookups land at batch starts and
     * mid-batch.
     */
    private void produceTimeline() throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.LINGER_MS_CONFIG, 1_000,
                ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20)) {
            for (int batch = 0; batch < 2; batch++) {
                for (int i = batch * 3; i < batch * 3 + 3; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, T0 + 10L * i, "k" + i, "v" + i));
                }
                producer.flush();
            }
            Future<RecordMetadata> sixth = producer.send(new ProducerRecord<>(TOPIC, 0, T0 + 100, "k6", "v6"));
            producer.flush();
            Future<RecordMetadata> seventh = producer.send(new ProducerRecord<>(TOPIC, 0, T0 + 30, "k7", "v7"));
            producer.flush();
            assertEquals(6, sixth.get().offset());
            assertEquals(7, seventh.get().offset());
        }
    }

    /** Leader epoch 0: the one leader this partition ever had, stamped on every batch. */
    private static OffsetAndTimestamp at(long offset, long timestamp) {
        return new OffsetAndTimestamp(offset, timestamp, Optional.of(0));
    }

    @Test
    void offsets_for_times_finds_the_first_record_at_or_after_the_time() throws Exception {
        produceTimeline();
        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            Map<Long, OffsetAndTimestamp> expected = new HashMap<>();
            expected.put(0L, at(0, T0)); // before everything: the first record
            expected.put(T0, at(0, T0));
            expected.put(T0 + 10, at(1, T0 + 10)); // mid-batch
            expected.put(T0 + 11, at(2, T0 + 20)); // between records of one batch
            expected.put(T0 + 25, at(3, T0 + 30)); // across a batch boundary
            expected.put(T0 + 41, at(5, T0 + 50));
            expected.put(T0 + 51, at(6, T0 + 100));
            expected.put(T0 + 100, at(6, T0 + 100));
            for (Map.Entry<Long, OffsetAndTimestamp> entry : expected.entrySet()) {
                OffsetAndTimestamp found =
                        consumer.offsetsForTimes(Map.of(TP, entry.getKey()), Duration.ofSeconds(10)).get(TP);
                assertEquals(entry.getValue(), found, "offsetsForTimes(" + (entry.getKey() - T0) + " after T0)");
            }
            // After the newest timestamp there is no such record.
            assertNull(consumer.offsetsForTimes(Map.of(TP, T0 + 101), Duration.ofSeconds(10)).get(TP));

            // Seeking by time then reading starts exactly there.
            consumer.assign(List.of(TP));
            consumer.seek(TP, consumer.offsetsForTimes(Map.of(TP, T0 + 25)).get(TP).offset());
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (records.size() < 5 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(List.of(3L, 4L, 5L, 6L, 7L), records.stream().map(ConsumerRecord::offset).toList());
            assertEquals(T0 + 30, records.get(0).timestamp());
        }
    }

    private static final String[] CODECS = {"gzip", "snappy", "lz4", "zstd"};

    /**
     * One batch per codec, records 4c..4c+3 of codec c at T0+100c .. T0+100c+3,
     * each batch compressed by the Java client as it sends it.
     */
    private void produceCompressed() throws Exception {
        for (int c = 0; c < CODECS.length; c++) {
            try (KafkaProducer<String, String> producer = strand.producer(ProducerConfig.LINGER_MS_CONFIG, 1_000,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, CODECS[c])) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, T0 + 100L * c + i, "k" + i, "v" + i)));
                }
                producer.flush();
                for (int i = 0; i < 4; i++) {
                    assertEquals(4L * c + i, sent.get(i).get().offset(), CODECS[c]);
                }
            }
        }
    }

    @Test
    void offsets_for_times_inside_a_compressed_batch_finds_the_record() throws Exception {
        produceCompressed();
        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            for (int c = 0; c < CODECS.length; c++) {
                long base = T0 + 100L * c;
                String codec = CODECS[c];
                assertEquals(at(4L * c, base), consumer.offsetsForTimes(Map.of(TP, base)).get(TP), codec);
                assertEquals(at(4L * c + 1, base + 1), consumer.offsetsForTimes(Map.of(TP, base + 1)).get(TP), codec);
                assertEquals(at(4L * c + 3, base + 3), consumer.offsetsForTimes(Map.of(TP, base + 3)).get(TP), codec);
            }
            assertNull(consumer.offsetsForTimes(Map.of(TP, T0 + 304)).get(TP));
        }
        try (Admin admin = strand.admin()) {
            ListOffsetsResultInfo max = listOffset(admin, OffsetSpec.maxTimestamp());
            assertEquals(15, max.offset());
            assertEquals(T0 + 303, max.timestamp());
            ListOffsetsResultInfo byTime = listOffset(admin, OffsetSpec.forTimestamp(T0 + 202));
            assertEquals(10, byTime.offset());
            assertEquals(T0 + 202, byTime.timestamp());
        }
    }

    /** kafka-consumer-groups ARGS... (kafka-tools' ConsumerGroupCommand, in this JVM, exit intercepted). */
    private String kafkaConsumerGroups(String... args) {
        List<String> argv = new ArrayList<>(List.of("--bootstrap-server", strand.bootstrap));
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        // The first Exit.exit call is the command's status.
        AtomicInteger status = new AtomicInteger(Integer.MIN_VALUE);
        Exit.setExitProcedure((code, message) -> status.compareAndSet(Integer.MIN_VALUE, code));
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            ConsumerGroupCommand.main(argv.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            Exit.resetExitProcedure();
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        int code = status.get();
        assertTrue(code == 0 || code == Integer.MIN_VALUE,
                () -> "kafka-consumer-groups " + String.join(" ", args) + " exited " + code + ":\n" + printed);
        return printed;
    }

    @Test
    void reset_offsets_to_datetime_lands_on_the_record_inside_a_compressed_batch() throws Exception {
        produceCompressed();
        DateTimeFormatter iso = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
        try (Admin admin = strand.admin()) {
            for (int c = 0; c < CODECS.length; c++) {
                String group = "reset-" + CODECS[c];
                kafkaConsumerGroups("--group", group, "--topic", TOPIC + ":0", "--reset-offsets", "--to-datetime",
                        iso.format(Instant.ofEpochMilli(T0 + 100L * c + 2)), "--execute");
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                assertEquals(4L * c + 2, committed.get(TP).offset(), CODECS[c]);
            }
        }
    }

    @Test
    void beginning_and_end_offsets_and_the_high_watermark() throws Exception {
        try (KafkaConsumer<String, String> consumer = strand.consumer()) {
            assertEquals(Map.of(TP, 0L), consumer.beginningOffsets(List.of(TP)));
            assertEquals(Map.of(TP, 0L), consumer.endOffsets(List.of(TP)));
            produceTimeline();
            assertEquals(Map.of(TP, 0L), consumer.beginningOffsets(List.of(TP)));
            assertEquals(Map.of(TP, 8L), consumer.endOffsets(List.of(TP)));
            consumer.assign(List.of(TP));
            consumer.seekToEnd(List.of(TP));
            assertEquals(8, consumer.position(TP));
            consumer.seekToBeginning(List.of(TP));
            assertEquals(0, consumer.position(TP));
        }
    }

    @Test
    void admin_list_offsets_serves_every_spec() throws Exception {
        produceTimeline();
        try (Admin admin = strand.admin()) {
            assertEquals(0, listOffset(admin, OffsetSpec.earliest()).offset());
            assertEquals(8, listOffset(admin, OffsetSpec.latest()).offset());
            ListOffsetsResultInfo max = listOffset(admin, OffsetSpec.maxTimestamp());
            assertEquals(6, max.offset());
            assertEquals(T0 + 100, max.timestamp());
            ListOffsetsResultInfo byTime = listOffset(admin, OffsetSpec.forTimestamp(T0 + 15));
            assertEquals(2, byTime.offset());
            assertEquals(T0 + 20, byTime.timestamp());
            assertEquals(-1, listOffset(admin, OffsetSpec.forTimestamp(T0 + 1_000)).offset());
            assertEquals(0, listOffset(admin, OffsetSpec.earliestLocal()).offset());
        }
    }

    private static ListOffsetsResultInfo listOffset(Admin admin, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(TP, spec)).partitionResult(TP).get(10, TimeUnit.SECONDS);
    }

    @Test
    void auto_offset_reset_latest_starts_at_the_end_and_none_fails() throws Exception {
        produceTimeline();
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-latest",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest")) {
            consumer.assign(List.of(TP));
            assertEquals(8, consumer.position(TP));
        }
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-none",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none")) {
            consumer.assign(List.of(TP));
            org.apache.kafka.clients.consumer.NoOffsetForPartitionException e = org.junit.jupiter.api.Assertions
                    .assertThrows(org.apache.kafka.clients.consumer.NoOffsetForPartitionException.class,
                            () -> consumer.position(TP));
            assertEquals(java.util.Set.of(TP), e.partitions());
        }
    }
}

package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static strand.StrandBroker.TOPIC;
import static strand.StrandBroker.TP;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * KIP-320 as the Java consumer does it: a position that carries a leader epoch
 * is validated with OffsetForLeaderEpoch before the consumer fetches from it.
 */
class LeaderEpochTest extends BrokerTest {
    private void produce(int n) throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer()) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v" + i)).get();
            }
        }
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int n) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 15_000;
        while (records.size() < n && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    @Test
    void a_seek_at_epoch_zero_validates_and_reads_on_with_the_stamped_epoch() throws Exception {
        produce(6);
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-epoch-0",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none")) {
            consumer.assign(List.of(TP));
            consumer.seek(TP, new OffsetAndMetadata(3, Optional.of(0), ""));
            List<ConsumerRecord<String, String>> records = poll(consumer, 3);
            assertEquals(List.of(3L, 4L, 5L), records.stream().map(ConsumerRecord::offset).toList());
            assertEquals(Optional.of(0), records.get(0).leaderEpoch());
        }
    }

    @Test
    void a_seek_at_an_epoch_strand_never_had_is_log_truncation() throws Exception {
        produce(6);
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-epoch-5",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none")) {
            consumer.assign(List.of(TP));
            consumer.seek(TP, new OffsetAndMetadata(3, Optional.of(5), ""));
            assertThrows(LogTruncationException.class, () -> poll(consumer, 1));
        }
    }
}

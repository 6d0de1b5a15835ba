package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * What the Java consumer's {@code committed()} sees where Kafka answers OffsetFetch
 * without an error: a partition of a topic that does not exist, and commit metadata
 * that Kafka measures in characters ({@code offset.metadata.max.bytes} counted on
 * the String's length).
 */
class CommittedOffsetsTest extends SharedBrokerTest {
    @Test
    void committed_of_an_assigned_partition_of_a_topic_that_does_not_exist_is_null() {
        TopicPartition missing = new TopicPartition(unique("no-such-topic"), 0);
        try (KafkaConsumer<String, String> consumer =
                broker.consumer(ConsumerConfig.GROUP_ID_CONFIG, unique("g-missing"))) {
            consumer.assign(List.of(missing));
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(missing));
            assertTrue(committed.containsKey(missing) || committed.isEmpty(), committed.toString());
            assertNull(committed.get(missing));
        }
    }

    @Test
    void metadata_of_4096_two_byte_characters_is_committed_and_read_back() throws Exception {
        String topic = unique("meta");
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        TopicPartition tp = new TopicPartition(topic, 0);
        String metadata = "\u00e9".repeat(4096);
        try (KafkaConsumer<String, String> consumer =
                broker.consumer(ConsumerConfig.GROUP_ID_CONFIG, unique("g-meta"))) {
            consumer.assign(List.of(tp));
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(0, metadata)));
            assertEquals(metadata, consumer.committed(Set.of(tp)).get(tp).metadata());
        }
    }
}

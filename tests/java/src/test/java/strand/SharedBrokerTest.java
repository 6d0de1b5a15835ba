package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One broker and one AdminClient for all the tests of a class: each test makes
 * topics of its own ({@link #topic}) and assumes nothing else of the broker, so
 * the same class runs against a fresh strand, a fresh Kafka
 * (STRAND_JAVA_AGAINST=kafka) or a running one ({@code -Dstrand.bootstrap}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SharedBrokerTest {
    protected StrandBroker broker;
    protected Admin admin;

    @BeforeAll
    void startBroker() throws Exception {
        broker = StrandBroker.start();
        admin = broker.admin();
    }

    @AfterAll
    void stopBroker() throws Exception {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** What an admin future failed with. */
    static Throwable cause(ExecutionException e) {
        return e.getCause();
    }

    /** A name no other test (or earlier run on the same broker) uses. */
    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Polls {@code get} until it returns {@code want} (15 s), then asserts on the last value. */
    static <T> T await(T want, Supplier<T> get, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        T got = get.get();
        while (!want.equals(got) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            got = get.get();
        }
        assertEquals(want, got, what);
        return got;
    }

    /** Partition count of {@code topic} as describeTopics says, -1 while it is unknown. */
    int partitions(String topic) {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return d.partitions().size();
        } catch (ExecutionException e) {
            if (cause(e) instanceof UnknownTopicOrPartitionException) {
                return -1;
            }
            throw new AssertionError("describeTopics " + topic, e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A new topic named {@code prefix-<random>} with {@code partitions} partitions and
     * these configs, once describeTopics shows it (Kafka's broker learns of it from its
     * controller a moment after the create returns).
     */
    String topic(String prefix, int partitions, Map<String, String> configs) throws Exception {
        String name = unique(prefix);
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        await(partitions, () -> partitions(name), name + " partitions");
        return name;
    }

    /** Sends {@code count} records to one partition and waits for their acks; the last one's metadata. */
    RecordMetadata produce(String topic, int partition, int count, Object... producerProps) throws Exception {
        RecordMetadata last = null;
        try (KafkaProducer<String, String> producer = broker.producer(producerProps)) {
            for (int i = 0; i < count; i++) {
                last = producer.send(new ProducerRecord<>(topic, partition, "k" + i, "v" + i)).get(20,
                        TimeUnit.SECONDS);
            }
        }
        return last;
    }

    static <T> Set<T> setOf(java.util.Collection<T> c) {
        return Set.copyOf(c);
    }
}

package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * group.initial.rebalance.delay.ms ({@code --group-initial-rebalance-delay-ms}) with
 * the Java consumer: a second consumer that subscribes while the group's first
 * rebalance waits out the delay lands in the same generation, so neither consumer
 * ever has a partition revoked (without the delay the first takes the partition
 * and gives it back). Against Kafka the flag becomes the broker setting.
 */
class GroupInitialDelayTest {
    private StrandBroker strand;

    @BeforeEach
    void startBroker() throws Exception {
        strand = StrandBroker.start("--group-initial-rebalance-delay-ms", "3000");
    }

    @AfterEach
    void stopBroker() throws Exception {
        strand.close();
    }

    /** Polls every consumer in turn until the condition holds, for at most 30 s. */
    @SafeVarargs
    private static void pollUntil(String what, BooleanSupplier done, KafkaConsumer<String, String>... consumers) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            for (KafkaConsumer<String, String> consumer : consumers) {
                consumer.poll(Duration.ofMillis(100));
            }
        }
    }

    @SafeVarargs
    private static void pollFor(Duration howLong, KafkaConsumer<String, String>... consumers) {
        long end = System.nanoTime() + howLong.toNanos();
        while (System.nanoTime() < end) {
            for (KafkaConsumer<String, String> consumer : consumers) {
                consumer.poll(Duration.ofMillis(100));
            }
        }
    }

    @Test
    void consumers_subscribing_within_the_delay_share_the_first_generation() throws Exception {
        ConsumerGroupTest.Events eventsA = new ConsumerGroupTest.Events();
        ConsumerGroupTest.Events eventsB = new ConsumerGroupTest.Events();
        Object[] config = {ConsumerConfig.GROUP_ID_CONFIG, "g-delayed",
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName()};
        try (KafkaConsumer<String, String> a = strand.consumer(config);
                KafkaConsumer<String, String> b = strand.consumer(config)) {
            a.subscribe(List.of(StrandBroker.TOPIC), eventsA);
            pollFor(Duration.ofSeconds(1), a);
            assertTrue(eventsA.log.isEmpty(), "assigned within the delay: " + eventsA.log);
            b.subscribe(List.of(StrandBroker.TOPIC), eventsB);
            pollUntil("both members assigned", () -> !eventsA.log.isEmpty() && !eventsB.log.isEmpty(), a, b);
            // Long enough for a second rebalance, were there one, to reach both.
            pollFor(Duration.ofSeconds(3), a, b);
            assertEquals(1, eventsA.log.size(), "a: " + eventsA.log);
            assertEquals(1, eventsB.log.size(), "b: " + eventsB.log);
            assertEquals(1, a.assignment().size() + b.assignment().size(), "one owner of the one partition");
        }
    }
}

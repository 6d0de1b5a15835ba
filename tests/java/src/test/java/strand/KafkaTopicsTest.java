package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static strand.StrandBroker.TOPIC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.TopicCommand;
import org.junit.jupiter.api.Test;

/**
 * {@code kafka-topics}, Kafka's own CLI (kafka-tools' TopicCommand, its main run
 * in this JVM with the exit intercepted), against the broker: --create with
 * partitions and configs, --list, --alter --partitions, --delete, and the
 * errors it reports.
 */
class KafkaTopicsTest extends AdminClientTest {
    /** What one kafka-topics run printed and its exit status. */
    record Run(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** kafka-topics --bootstrap-server BROKER ARGS..., as its script runs it. */
    private Run kafkaTopics(String... args) {
        List<String> argv = new ArrayList<>(List.of("--bootstrap-server", strand.bootstrap));
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        // The tool calls Exit.exit with its status when a command ends (and main
        // once more, with 0, after that returns): the first call is the status.
        AtomicInteger status = new AtomicInteger(Integer.MIN_VALUE);
        Exit.setExitProcedure((code, message) -> status.compareAndSet(Integer.MIN_VALUE, code));
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            TopicCommand.main(argv.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            Exit.resetExitProcedure();
        }
        return new Run(status.get(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run ok(String... args) {
        Run run = kafkaTopics(args);
        assertEquals(0, run.status(), () -> "kafka-topics " + String.join(" ", args) + ": " + run);
        return run;
    }

    private Run fails(String expected, String... args) {
        Run run = kafkaTopics(args);
        assertEquals(1, run.status(), () -> "kafka-topics " + String.join(" ", args) + ": " + run);
        assertTrue(run.err().contains(expected) || run.out().contains(expected),
                () -> "kafka-topics " + String.join(" ", args) + " does not say " + expected + ": " + run);
        return run;
    }

    /** Partition count of a topic (-1: unknown) once it is {@code want}, else after 10 s. */
    private int partitions(String topic, int want) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            int got;
            try {
                got = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                got = -1;
            }
            if (got == want || System.nanoTime() > deadline) {
                return got;
            }
            Thread.sleep(100);
        }
    }

    private Set<String> listed() {
        return Set.copyOf(ok("--list", "--exclude-internal").out().lines().toList());
    }

    @Test
    void create_list_alter_and_delete() throws Exception {
        Run created = ok("--create", "--topic", "orders", "--partitions", "3", "--replication-factor", "1",
                "--config", "retention.ms=3600000", "--config", "max.message.bytes=2000000");
        assertEquals("Created topic orders.\n", created.out());
        assertEquals(3, partitions("orders", 3));
        ok("--create", "--topic", "defaults");
        assertEquals(1, partitions("defaults", 1), "no --partitions: the broker's num.partitions");
        assertEquals(Set.of(TOPIC, "orders", "defaults"), listed());

        fails("TopicExistsException", "--create", "--topic", "orders", "--partitions", "1");
        // --if-not-exists: an existing topic is fine, and stays as it is.
        ok("--create", "--if-not-exists", "--topic", "orders", "--partitions", "1");
        assertEquals(3, partitions("orders", 3));

        ok("--alter", "--topic", "orders", "--partitions", "5");
        assertEquals(5, partitions("orders", 5));
        fails("InvalidPartitionsException", "--alter", "--topic", "orders", "--partitions", "2");
        assertEquals(5, partitions("orders", 5));

        ok("--delete", "--topic", "orders");
        assertEquals(-1, partitions("orders", -1));
        assertEquals(Set.of(TOPIC, "defaults"), listed());
        // A pattern: kafka-topics lists the topics and deletes those that match.
        ok("--create", "--topic", "tmp.a");
        ok("--create", "--topic", "tmp-b", "--partitions", "2");
        assertEquals(2, partitions("tmp-b", 2));
        ok("--delete", "--topic", "tmp.*");
        assertEquals(-1, partitions("tmp-b", -1));
        assertEquals(Set.of(TOPIC, "defaults"), listed());
    }

    @Test
    void refusals_are_reported_as_kafka_reports_them() throws Exception {
        fails("InvalidReplicationFactorException", "--create", "--topic", "rf3", "--replication-factor", "3");
        // (kafka-topics checks the values of configs it knows itself: retention.ms=soon never reaches the broker.)
        fails("InvalidConfigurationException", "--create", "--topic", "bad-config", "--config", "no.such=1");
        // The tool checks names itself before asking the broker.
        fails("InvalidTopicException", "--create", "--topic", "bad name");
        fails("does not exist", "--delete", "--topic", "never-made");
        fails("does not exist", "--alter", "--topic", "never-made", "--partitions", "4");
        assertEquals(Set.of(TOPIC), listed());
    }

    @Test
    void describe_shows_partitions_leaders_and_configs() throws Exception {
        ok("--create", "--topic", "described", "--partitions", "2", "--config", "retention.ms=3600000");
        assertEquals(2, partitions("described", 2));
        String out = ok("--describe", "--topic", "described").out();
        assertTrue(out.contains("PartitionCount: 2"), out);
        assertTrue(out.contains("retention.ms=3600000"), out);
        assertTrue(out.contains("Partition: 0\tLeader: 1\tReplicas: 1\tIsr: 1"), out);
        assertTrue(out.contains("Partition: 1\tLeader: 1\tReplicas: 1\tIsr: 1"), out);
        assertFalse(out.contains("Partition: 2"), out);
    }
}

package strand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One real strand process, as tests/common/mod.rs starts it for the Rust tests:
 * the release binary on ephemeral loopback ports with its own temporary data
 * dir, serving {@link #TOPIC} with one partition. The address comes from the
 * broker's own "listening addr=..." log line, which it prints only once the
 * listener accepts. Each test starts its own, so offsets start at 0.
 */
final class StrandBroker implements AutoCloseable {
    static final String TOPIC = "events";
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private static final AtomicInteger KAFKA_INSTANCES = new AtomicInteger();

    private final Process process;
    private final Path dir;
    /** Set when this is the reference Kafka: the compat/kafka.sh instance to stop. */
    private final String kafkaInstance;
    final String bootstrap;
    final int port;

    private StrandBroker(Process process, Path dir, String kafkaInstance, String bootstrap) {
        this.process = process;
        this.dir = dir;
        this.kafkaInstance = kafkaInstance;
        this.bootstrap = bootstrap;
        this.port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    /**
     * A fresh strand; with STRAND_JAVA_AGAINST=kafka a fresh reference Kafka from
     * compat/kafka.sh instead (the topic created with one partition, node id 1 on
     * 127.0.0.1, as strand), to check what these tests expect against Kafka itself:
     * {@code STRAND_JAVA_AGAINST=kafka mvn -f tests/java/pom.xml test -Dtest=...}.
     */
    static StrandBroker start() throws IOException, InterruptedException {
        return start(new String[0]);
    }

    /**
     * As {@link #start()}, with more strand flags. Against Kafka only
     * {@code --auto-create-topics BOOL}, {@code --num-partitions N} and
     * {@code --group-initial-rebalance-delay-ms N} are known: they become
     * {@code auto.create.topics.enable}, {@code num.partitions} and
     * {@code group.initial.rebalance.delay.ms}.
     */
    static StrandBroker start(String... flags) throws IOException, InterruptedException {
        String external = external();
        if (external != null) {
            return new StrandBroker(null, null, null, external);
        }
        if ("kafka".equals(System.getenv("STRAND_JAVA_AGAINST"))) {
            return startKafka(flags);
        }
        Path binary = binary();
        Path dir = Files.createTempDirectory("strand-java-");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--topic", TOPIC, "--data-dir", dir.resolve("data").toString(),
                "--log-level", System.getenv().getOrDefault("STRAND_TEST_LOG_LEVEL", "info")));
        command.addAll(List.of(flags));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("RUST_LOG");
        builder.redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = builder.start();
        BlockingQueue<String> address = new ArrayBlockingQueue<>(1);
        List<String> early = new ArrayList<>();
        // Drain the output for the broker's whole life so it never blocks on a full pipe.
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    synchronized (early) {
                        early.add(line);
                    }
                    if (System.getenv("STRAND_TEST_LOGS") != null) {
                        System.err.println("[strand] " + line);
                    }
                    int at = line.indexOf(" listening addr=");
                    if (at >= 0) {
                        String rest = line.substring(at + " listening addr=".length());
                        address.offer(rest.split("\\s")[0]);
                    }
                }
            } catch (IOException e) {
                // The process ended; nothing more to drain.
            }
        }, "strand-output");
        reader.setDaemon(true);
        reader.start();
        String bootstrap = address.poll(20, TimeUnit.SECONDS);
        if (bootstrap == null) {
            process.destroyForcibly();
            synchronized (early) {
                throw new IllegalStateException("strand did not report listening within 20 s; output:\n"
                        + String.join("\n", early));
            }
        }
        return new StrandBroker(process, dir, null, bootstrap);
    }

    private static StrandBroker startKafka(String... flags) throws IOException, InterruptedException {
        String name = "java-" + ProcessHandle.current().pid() + "-" + KAFKA_INSTANCES.incrementAndGet();
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < flags.length; i += 2) {
            switch (flags[i]) {
                case "--auto-create-topics" -> env.put("KAFKA_AUTO_CREATE", flags[i + 1]);
                case "--num-partitions" -> env.merge("KAFKA_EXTRA_PROPS", "num.partitions=" + flags[i + 1],
                        (a, b) -> a + "\n" + b);
                case "--group-initial-rebalance-delay-ms" -> env.merge("KAFKA_EXTRA_PROPS",
                        "group.initial.rebalance.delay.ms=" + flags[i + 1], (a, b) -> a + "\n" + b);
                default -> throw new IllegalArgumentException("no Kafka equivalent for strand's " + flags[i]);
            }
        }
        String output = kafkaSh(env, "start", name);
        String bootstrap = output.lines().filter(l -> l.startsWith("BOOTSTRAP=")).map(l -> l.substring(10))
                .findFirst().orElseThrow(() -> new IllegalStateException("compat/kafka.sh start: " + output));
        return new StrandBroker(null, null, name, bootstrap);
    }

    private static String kafkaSh(String... args) throws IOException, InterruptedException {
        return kafkaSh(Map.of(), args);
    }

    private static String kafkaSh(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path script = Paths.get(System.getProperty("strand.repo", "../..")).resolve("compat/kafka.sh");
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("KAFKA_TOPIC", TOPIC);
        builder.environment().putAll(env);
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("compat/kafka.sh " + String.join(" ", args) + " failed: " + output);
        }
        return output;
    }

    /**
     * A broker someone else runs, from {@code -Dstrand.bootstrap=HOST:PORT} or
     * STRAND_JAVA_BOOTSTRAP: tests that make their own topics and groups (UiCallsTest)
     * then run against it, e.g. a reference Kafka from {@code compat/kafka.sh start}
     * reused across tests instead of one broker start per test. Null when unset.
     */
    static String external() {
        String address = System.getProperty("strand.bootstrap", System.getenv("STRAND_JAVA_BOOTSTRAP"));
        return address == null || address.isBlank() ? null : address.trim();
    }

    /** True when this is the reference Kafka (STRAND_JAVA_AGAINST=kafka). */
    boolean isKafka() {
        return kafkaInstance != null;
    }

    /** $STRAND_BIN, else the release build in this checkout. */
    private static Path binary() {
        String env = System.getenv("STRAND_BIN");
        Path path;
        if (env != null && !env.isEmpty()) {
            path = Paths.get(env);
            if (!path.isAbsolute()) {
                // Maven runs the tests in tests/java; a relative STRAND_BIN means the repo root.
                path = Paths.get(System.getProperty("strand.repo", ".")).resolve(path);
            }
        } else {
            path = Paths.get(System.getProperty("strand.repo", "../..")).resolve("target/release/strand");
        }
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("no strand binary at " + path
                    + " (build it with cargo build --release, or set STRAND_BIN)");
        }
        return path.toAbsolutePath().normalize();
    }

    Properties producerProps(Object... extra) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        put(props, extra);
        return props;
    }

    KafkaProducer<String, String> producer(Object... extra) {
        return new KafkaProducer<>(producerProps(extra));
    }

    KafkaConsumer<String, String> consumer(Object... extra) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        // Short sessions so a test about leaving or fencing does not wait 45 s.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 20_000);
        put(props, extra);
        return new KafkaConsumer<>(props);
    }

    Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return Admin.create(props);
    }

    private static void put(Properties props, Object... extra) {
        if (extra.length % 2 != 0) {
            throw new IllegalArgumentException("key/value pairs expected");
        }
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i].toString(), extra[i + 1]);
        }
    }

    /** SIGTERM (a clean shutdown), then the temp dir goes. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process == null && kafkaInstance == null) {
            return; // an external broker: its owner stops it
        }
        if (kafkaInstance != null) {
            kafkaSh("stop", kafkaInstance);
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

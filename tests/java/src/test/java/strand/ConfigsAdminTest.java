package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigType;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/**
 * DescribeConfigs and IncrementalAlterConfigs through the Java AdminClient, on topics of their own and on the broker, with what Kafka answers.
 */
class ConfigsAdminTest extends SharedBrokerTest {
    private static final String BROKER_ID = "1";

    private static ConfigResource topicResource(String topic) {
        return new ConfigResource(ConfigResource.Type.TOPIC, topic);
    }

    private Config describe(ConfigResource resource, boolean synonyms, boolean documentation) throws Exception {
        return admin.describeConfigs(List.of(resource),
                new DescribeConfigsOptions().includeSynonyms(synonyms).includeDocumentation(documentation)).all()
                .get(20, TimeUnit.SECONDS).get(resource);
    }

    private String value(ConfigResource resource, String name) {
        try {
            ConfigEntry entry = describe(resource, false, false).get(name);
            return entry == null ? null : entry.value();
        } catch (Exception e) {
            throw new AssertionError("describeConfigs " + resource, e);
        }
    }

    private ConfigSource source(ConfigResource resource, String name) {
        try {
            return describe(resource, false, false).get(name).source();
        } catch (Exception e) {
            throw new AssertionError("describeConfigs " + resource, e);
        }
    }

    private void incremental(ConfigResource resource, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).all().get(20, TimeUnit.SECONDS);
    }

    private Throwable incrementalFails(ConfigResource resource, AlterConfigOp... ops) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).all().get(20, TimeUnit.SECONDS),
                List.of(ops).toString());
        return cause(e);
    }

    private static AlterConfigOp op(String name, String value, AlterConfigOp.OpType type) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }

    private static List<String> synonyms(ConfigEntry entry) {
        return entry.synonyms().stream().map(s -> s.name() + "=" + s.value() + " " + s.source()).toList();
    }

    @Test
    void describe_topic_configs_with_sources_synonyms_and_documentation() throws Exception {
        String topic = topic("describe", 1, Map.of("retention.ms", "3600000"));
        ConfigResource resource = topicResource(topic);
        Config config = describe(resource, true, true);
        Set<String> names = config.entries().stream().map(ConfigEntry::name).collect(Collectors.toSet());
        for (String name : List.of("cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms",
                "flush.messages", "flush.ms", "index.interval.bytes", "max.message.bytes",
                "message.timestamp.type", "message.timestamp.before.max.ms", "message.timestamp.after.max.ms",
                "min.insync.replicas", "retention.bytes", "retention.ms", "segment.bytes", "segment.index.bytes",
                "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable")) {
            assertTrue(names.contains(name), name + " in " + names);
        }

        ConfigEntry retention = config.get("retention.ms");
        assertEquals("3600000", retention.value());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source());
        assertEquals(ConfigType.LONG, retention.type());
        assertFalse(retention.isReadOnly());
        assertFalse(retention.isSensitive());
        assertNotNull(retention.documentation());
        assertFalse(retention.documentation().isBlank());
        // The topic's own value; log.retention.ms, its broker synonym, has no value of its
        // own (Kafka derives it from log.retention.hours), so no broker synonym follows.
        assertEquals(List.of("retention.ms=3600000 DYNAMIC_TOPIC_CONFIG"), synonyms(retention));

        ConfigEntry policy = config.get("cleanup.policy");
        assertEquals("delete", policy.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, policy.source());
        assertEquals(ConfigType.LIST, policy.type());
        assertEquals(List.of("log.cleanup.policy=delete DEFAULT_CONFIG"), synonyms(policy));

        ConfigEntry maxMessage = config.get("max.message.bytes");
        assertEquals("1048588", maxMessage.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, maxMessage.source());
        assertEquals(ConfigType.INT, maxMessage.type());
        assertEquals(List.of("message.max.bytes=1048588 DEFAULT_CONFIG"), synonyms(maxMessage));
        assertEquals("CreateTime", config.get("message.timestamp.type").value());
        assertEquals(ConfigType.STRING, config.get("message.timestamp.type").type());
        assertEquals("604800000", describe(topicResource(topic("plain", 1, Map.of())), false, false)
                .get("retention.ms").value());

        // Without the options: no synonyms and no documentation.
        ConfigEntry bare = describe(resource, false, false).get("retention.ms");
        assertEquals("3600000", bare.value());
        assertEquals(List.of(), bare.synonyms());
        assertNull(bare.documentation());
        for (ConfigEntry entry : config.entries()) {
            assertFalse(entry.isSensitive(), entry.name());
        }
    }

    @Test
    void describe_an_unknown_topic_is_unknown_topic_or_partition() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> describe(topicResource("no-such-topic-" + unique("x")), false, false));
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(e));
    }

    @Test
    void describe_the_broker() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, BROKER_ID);
        Config config = describe(broker, true, true);
        Map<String, ConfigEntry> entries =
                config.entries().stream().collect(Collectors.toMap(ConfigEntry::name, e -> e));
        for (String name : List.of("node.id", "log.dirs", "log.retention.hours", "log.retention.ms",
                "log.segment.bytes", "message.max.bytes", "num.partitions", "auto.create.topics.enable",
                "log.cleanup.policy", "default.replication.factor")) {
            assertTrue(entries.containsKey(name), name + " in " + entries.keySet());
        }
        ConfigEntry nodeId = entries.get("node.id");
        assertEquals(BROKER_ID, nodeId.value());
        // Kafka cannot start without node.id, so there it is always STATIC_BROKER_CONFIG;
        // strand has a default (1) and says DEFAULT_CONFIG when it was not given.
        assertTrue(Set.of(ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG).contains(nodeId.source()),
                nodeId.toString());
        assertTrue(nodeId.isReadOnly());
        assertEquals("1048588", entries.get("message.max.bytes").value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, entries.get("message.max.bytes").source());
        assertEquals("168", entries.get("log.retention.hours").value());
        assertEquals("false", entries.get("auto.create.topics.enable").value());
        assertEquals(ConfigType.BOOLEAN, entries.get("auto.create.topics.enable").type());
        assertNotNull(entries.get("log.dirs").value());
        for (ConfigEntry entry : config.entries()) {
            assertFalse(entry.isSensitive() && entry.value() != null, entry.name() + " shows a sensitive value");
        }
        // The cluster-wide defaults resource: only dynamic defaults, none set here.
        Config defaults = describe(new ConfigResource(ConfigResource.Type.BROKER, ""), false, false);
        for (ConfigEntry entry : defaults.entries()) {
            assertEquals(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, entry.source(), entry.toString());
        }
    }

    @Test
    void incremental_set_takes_effect_and_delete_restores_the_default() throws Exception {
        String topic = topic("incr", 1, Map.of());
        ConfigResource resource = topicResource(topic);
        incremental(resource, op("retention.ms", "7200000", AlterConfigOp.OpType.SET),
                op("max.message.bytes", "2000", AlterConfigOp.OpType.SET));
        await("7200000", () -> value(resource, "retention.ms"), "retention.ms after SET");
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, source(resource, "retention.ms"));
        await("2000", () -> value(resource, "max.message.bytes"), "max.message.bytes after SET");

        // The new maximum holds for the next produce.
        try (KafkaProducer<String, String> producer = broker.producer()) {
            ExecutionException tooLarge = assertThrows(ExecutionException.class, () -> producer
                    .send(new ProducerRecord<>(topic, 0, "k", "x".repeat(3000))).get(20, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, cause(tooLarge));
            assertEquals(0, producer.send(new ProducerRecord<>(topic, 0, "k", "small")).get(20, TimeUnit.SECONDS)
                    .offset());
        }

        incremental(resource, op("retention.ms", null, AlterConfigOp.OpType.DELETE));
        await("604800000", () -> value(resource, "retention.ms"), "retention.ms after DELETE");
        assertEquals(ConfigSource.DEFAULT_CONFIG, source(resource, "retention.ms"));
        assertEquals("2000", value(resource, "max.message.bytes"), "an op on another config leaves this one");
        // Deleting one that is not set is no error.
        incremental(resource, op("segment.ms", null, AlterConfigOp.OpType.DELETE));
    }

    @Test
    void incremental_append_and_subtract_on_a_list() throws Exception {
        String topic = topic("append", 1, Map.of());
        ConfigResource resource = topicResource(topic);
        // A list config strand can hold (cleanup.policy=compact it refuses: no compaction).
        String replicas = "leader.replication.throttled.replicas";
        incremental(resource, op(replicas, "0:1", AlterConfigOp.OpType.APPEND));
        // What is there already is not added twice.
        incremental(resource, op(replicas, "1:1,0:1", AlterConfigOp.OpType.APPEND));
        await("0:1,1:1", () -> value(resource, replicas), replicas + " after APPEND");
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, source(resource, replicas));
        incremental(resource, op(replicas, "0:1", AlterConfigOp.OpType.SUBTRACT));
        await("1:1", () -> value(resource, replicas), replicas + " after SUBTRACT");
        // SUBTRACT from a config the topic does not set starts from the default.
        incremental(resource, op("cleanup.policy", "delete", AlterConfigOp.OpType.SUBTRACT));
        await("", () -> value(resource, "cleanup.policy"), "cleanup.policy after SUBTRACT of delete");
        // APPEND and SUBTRACT are for list configs only.
        Throwable append = incrementalFails(resource, op("retention.ms", "1", AlterConfigOp.OpType.APPEND));
        assertInstanceOf(InvalidConfigurationException.class, append);
        assertEquals("Can't APPEND to key retention.ms because its type is not LIST.", append.getMessage());
        assertInstanceOf(InvalidConfigurationException.class,
                incrementalFails(resource, op("retention.ms", "1", AlterConfigOp.OpType.SUBTRACT)));
    }

    @Test
    void incremental_validate_only_and_bad_requests_change_nothing() throws Exception {
        String topic = topic("validate", 1, Map.of("retention.ms", "3600000"));
        ConfigResource resource = topicResource(topic);
        admin.incrementalAlterConfigs(
                Map.of(resource, List.of(op("retention.ms", "1000", AlterConfigOp.OpType.SET))),
                new AlterConfigsOptions().validateOnly(true)).all().get(20, TimeUnit.SECONDS);
        assertInstanceOf(InvalidConfigurationException.class,
                incrementalFails(resource, op("retention.ms", "soon", AlterConfigOp.OpType.SET)));
        assertInstanceOf(InvalidConfigurationException.class,
                incrementalFails(resource, op("no.such.config", "1", AlterConfigOp.OpType.SET)));
        assertInstanceOf(InvalidConfigurationException.class,
                incrementalFails(resource, op("message.timestamp.type", "WallClock", AlterConfigOp.OpType.SET)));
        ExecutionException badValidate = assertThrows(ExecutionException.class,
                () -> admin.incrementalAlterConfigs(
                        Map.of(resource, List.of(op("retention.ms", "soon", AlterConfigOp.OpType.SET))),
                        new AlterConfigsOptions().validateOnly(true)).all().get(20, TimeUnit.SECONDS));
        assertInstanceOf(InvalidConfigurationException.class, cause(badValidate));
        assertInstanceOf(UnknownTopicOrPartitionException.class, incrementalFails(
                topicResource(unique("no-such-topic")), op("retention.ms", "1000", AlterConfigOp.OpType.SET)));
        Thread.sleep(500);
        assertEquals("3600000", value(resource, "retention.ms"));
    }

    @Test
    void a_read_only_broker_config_cannot_be_altered() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, BROKER_ID);
        String before = value(broker, "log.dirs");
        Throwable e = incrementalFails(broker, op("log.dirs", "/tmp/elsewhere", AlterConfigOp.OpType.SET));
        assertInstanceOf(InvalidRequestException.class, e);
        assertTrue(e.getMessage().contains("log.dirs"), e.getMessage());
        assertEquals(before, value(broker, "log.dirs"));
    }

    // The legacy AlterConfigs (33) is gone from the Java Admin since 4.0; the Python and
    // kafkajs admin clients still send it (tests/interop/*_admin.*).
}

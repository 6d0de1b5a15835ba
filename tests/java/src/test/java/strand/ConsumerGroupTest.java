package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static strand.StrandBroker.TOPIC;
import static strand.StrandBroker.TP;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.junit.jupiter.api.Test;

/**
 * The Java consumer in a classic group on strand: subscribe, both rebalance
 * protocols (eager with the RangeAssignor, cooperative with the
 * CooperativeStickyAssignor), static membership, and commits read back.
 */
class ConsumerGroupTest extends BrokerTest {
    private void produce(int from, int count) throws Exception {
        try (KafkaProducer<String, String> producer = strand.producer()) {
            for (int i = from; i < from + count; i++) {
                assertEquals(i, producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)).get().offset());
            }
        }
    }

    /** Records what the group hands a consumer, in order. */
    static final class Events implements ConsumerRebalanceListener {
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            log.add("revoked " + partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            log.add("assigned " + partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            log.add("lost " + partitions);
        }
    }

    /** Polls every consumer in turn (each from this one thread) until the condition holds. */
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

    @Test
    void a_subscriber_reads_everything_and_its_commit_reads_back() throws Exception {
        produce(0, 10);
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-read")) {
            consumer.subscribe(List.of(TOPIC));
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < 10 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(10, records.size());
            for (int i = 0; i < 10; i++) {
                assertEquals(i, records.get(i).offset());
                assertEquals("v" + i, records.get(i).value());
            }
            assertEquals(Set.of(TP), consumer.assignment());
            assertEquals(10, consumer.position(TP));
            consumer.commitSync(Map.of(TP, new OffsetAndMetadata(10, "read ten")));
            OffsetAndMetadata committed = consumer.committed(Set.of(TP)).get(TP);
            assertEquals(10, committed.offset());
            assertEquals("read ten", committed.metadata());
        }
        // A new member of the same group resumes at the committed offset.
        produce(10, 2);
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-read")) {
            consumer.subscribe(List.of(TOPIC));
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < 2 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(2, records.size());
            assertEquals(10, records.get(0).offset());
            assertEquals("v11", records.get(1).value());
        }
    }

    @Test
    void commit_async_then_committed_reads_it_back() throws Exception {
        produce(0, 3);
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-async")) {
            consumer.subscribe(List.of(TOPIC));
            pollUntil("assignment", () -> consumer.assignment().equals(Set.of(TP)), consumer);
            CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> done = new CompletableFuture<>();
            consumer.commitAsync(Map.of(TP, new OffsetAndMetadata(2, "async")), (offsets, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(offsets);
                }
            });
            pollUntil("the commit callback", done::isDone, consumer);
            assertEquals(Map.of(TP, new OffsetAndMetadata(2, "async")), done.get());
            OffsetAndMetadata committed = consumer.committed(Set.of(TP)).get(TP);
            assertEquals(2, committed.offset());
            assertEquals("async", committed.metadata());
        }
        // A group that never committed has no offset for the partition.
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-none")) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(TP));
            assertTrue(committed.get(TP) == null, "no committed offset: " + committed);
        }
    }

    @Test
    void eager_range_rebalance_revokes_and_reassigns_the_one_partition() throws Exception {
        Events eventsA = new Events();
        Events eventsB = new Events();
        Object[] eager = {ConsumerConfig.GROUP_ID_CONFIG, "g-eager",
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName()};
        try (KafkaConsumer<String, String> a = strand.consumer(eager);
                KafkaConsumer<String, String> b = strand.consumer(eager)) {
            a.subscribe(List.of(TOPIC), eventsA);
            pollUntil("a owns the partition", () -> a.assignment().equals(Set.of(TP)), a);
            assertEquals(List.of("assigned [events-0]"), eventsA.log);

            b.subscribe(List.of(TOPIC), eventsB);
            // The eager protocol: a gives up everything, then the leader assigns afresh.
            pollUntil("both members assigned",
                    () -> eventsB.log.size() == 1 && eventsA.log.size() == 3, a, b);
            assertEquals("revoked [events-0]", eventsA.log.get(1));
            int owners = (a.assignment().contains(TP) ? 1 : 0) + (b.assignment().contains(TP) ? 1 : 0);
            assertEquals(1, owners, "exactly one member owns events-0");
            assertEquals(a.assignment().isEmpty() ? "assigned []" : "assigned [events-0]", eventsA.log.get(2));
            assertEquals(b.assignment().isEmpty() ? "assigned []" : "assigned [events-0]", eventsB.log.get(0));

            try (Admin admin = strand.admin()) {
                ConsumerGroupDescription group =
                        admin.describeConsumerGroups(List.of("g-eager")).all().get().get("g-eager");
                assertEquals(GroupState.STABLE, group.groupState());
                assertEquals("range", group.partitionAssignor());
                assertEquals(2, group.members().size());
                long assigned = group.members().stream()
                        .filter(m -> m.assignment().topicPartitions().equals(Set.of(TP))).count();
                assertEquals(1, assigned);
            }
        }
    }

    @Test
    void cooperative_sticky_rebalance_keeps_the_partition_where_it_is() throws Exception {
        Events eventsA = new Events();
        Events eventsB = new Events();
        Object[] cooperative = {ConsumerConfig.GROUP_ID_CONFIG, "g-coop",
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName()};
        try (KafkaConsumer<String, String> a = strand.consumer(cooperative);
                KafkaConsumer<String, String> b = strand.consumer(cooperative)) {
            a.subscribe(List.of(TOPIC), eventsA);
            pollUntil("a owns the partition", () -> a.assignment().equals(Set.of(TP)), a);
            assertEquals(List.of("assigned [events-0]"), eventsA.log);

            b.subscribe(List.of(TOPIC), eventsB);
            // Cooperative: a keeps events-0 throughout; each member gets an
            // incremental (here empty) assignment and nothing is revoked.
            pollUntil("b joined", () -> eventsB.log.size() == 1 && eventsA.log.size() == 2, a, b);
            assertEquals(List.of("assigned [events-0]", "assigned []"), eventsA.log);
            assertEquals(List.of("assigned []"), eventsB.log);
            assertEquals(Set.of(TP), a.assignment());
            assertEquals(Set.of(), b.assignment());

            try (Admin admin = strand.admin()) {
                ConsumerGroupDescription group =
                        admin.describeConsumerGroups(List.of("g-coop")).all().get().get("g-coop");
                assertEquals(GroupState.STABLE, group.groupState());
                assertEquals("cooperative-sticky", group.partitionAssignor());
                assertEquals(2, group.members().size());
            }

            // a leaves: b takes the partition over.
            a.close();
            pollUntil("b owns the partition", () -> b.assignment().equals(Set.of(TP)), b);
            assertEquals(List.of("assigned []", "assigned [events-0]"), eventsB.log);
        }
    }

    @Test
    void a_static_member_keeps_its_slot_across_a_restart() throws Exception {
        Object[] staticA = {ConsumerConfig.GROUP_ID_CONFIG, "g-static",
            ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a"};
        try (Admin admin = strand.admin()) {
            String firstMemberId;
            try (KafkaConsumer<String, String> a = strand.consumer(staticA)) {
                a.subscribe(List.of(TOPIC));
                pollUntil("a owns the partition", () -> a.assignment().equals(Set.of(TP)), a);
                firstMemberId = a.groupMetadata().memberId();
                assertTrue(firstMemberId.startsWith("instance-a-"), firstMemberId);
                a.commitSync(Map.of(TP, new OffsetAndMetadata(0)));
            }
            // A static member sends no LeaveGroup on close: the group keeps it.
            ConsumerGroupDescription group =
                    admin.describeConsumerGroups(List.of("g-static")).all().get().get("g-static");
            assertEquals(GroupState.STABLE, group.groupState());
            assertEquals(1, group.members().size());
            MemberDescription member = group.members().iterator().next();
            assertEquals(Optional.of("instance-a"), member.groupInstanceId());
            assertEquals(firstMemberId, member.consumerId());
            assertEquals(Set.of(TP), member.assignment().topicPartitions());

            // The same instance comes back under a new member id and gets its partition again.
            try (KafkaConsumer<String, String> again = strand.consumer(staticA)) {
                again.subscribe(List.of(TOPIC));
                pollUntil("instance-a owns the partition again", () -> again.assignment().equals(Set.of(TP)), again);
                String secondMemberId = again.groupMetadata().memberId();
                ConsumerGroupDescription after =
                        admin.describeConsumerGroups(List.of("g-static")).all().get().get("g-static");
                assertEquals(1, after.members().size());
                assertEquals(secondMemberId, after.members().iterator().next().consumerId());
                assertEquals(Optional.of("instance-a"), after.members().iterator().next().groupInstanceId());
            }
        }
    }

    /** Polls every consumer in turn for {@code seconds}: time for a rebalance to reach them. */
    @SafeVarargs
    private static void pollFor(int seconds, KafkaConsumer<String, String>... consumers) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (KafkaConsumer<String, String> consumer : consumers) {
                consumer.poll(Duration.ofMillis(100));
            }
        }
    }

    /**
     * Two static members share a two-partition topic; each restarts in turn (a new
     * process under the same group.instance.id, within the session timeout): it gets
     * its partition back and no one rebalances: the other member's listener sees
     * nothing and the generation stays. The restarted leader is told to skip the
     * assignment (KIP-814), so it does not reassign either.
     */
    @Test
    void a_static_member_restarting_within_its_session_timeout_rebalances_no_one() throws Exception {
        String topic = "static-pair";
        try (Admin admin = strand.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        Object[] common = {ConsumerConfig.GROUP_ID_CONFIG, "g-static-restart",
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000,
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName()};
        Object[] instanceA = java.util.stream.Stream.concat(java.util.Arrays.stream(common),
                java.util.stream.Stream.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a")).toArray();
        Object[] instanceB = java.util.stream.Stream.concat(java.util.Arrays.stream(common),
                java.util.stream.Stream.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-b")).toArray();
        Map<String, Object[]> configs = Map.of("a", instanceA, "b", instanceB);
        Map<String, KafkaConsumer<String, String>> live = new java.util.HashMap<>();
        Map<String, Events> events = new java.util.HashMap<>();
        try {
            for (String which : List.of("a", "b")) {
                events.put(which, new Events());
                live.put(which, strand.consumer(configs.get(which)));
                live.get(which).subscribe(List.of(topic), events.get(which));
                if (which.equals("a")) {
                    pollUntil("a owns both partitions", () -> live.get("a").assignment().size() == 2, live.get("a"));
                }
            }
            pollUntil("a and b own a partition each",
                    () -> live.get("a").assignment().size() == 1 && live.get("b").assignment().size() == 1,
                    live.get("a"), live.get("b"));
            pollFor(1, live.get("a"), live.get("b"));
            int generation = live.get("a").groupMetadata().generationId();
            assertEquals(generation, live.get("b").groupMetadata().generationId());
            String leader = live.get("a").groupMetadata().memberId();

            // The follower restarts, then the leader.
            for (String which : List.of("b", "a")) {
                String other = which.equals("a") ? "b" : "a";
                KafkaConsumer<String, String> stays = live.get(other);
                Set<TopicPartition> owned = Set.copyOf(live.get(which).assignment());
                String oldMemberId = live.get(which).groupMetadata().memberId();
                List<String> before = List.copyOf(events.get(other).log);
                live.remove(which).close();
                Events restartedEvents = new Events();
                KafkaConsumer<String, String> restarted = strand.consumer(configs.get(which));
                live.put(which, restarted);
                restarted.subscribe(List.of(topic), restartedEvents);
                pollUntil(which + " restarted owns its partition again",
                        () -> restarted.assignment().equals(owned), stays, restarted);
                pollFor(3, stays, restarted);
                assertEquals(before, events.get(other).log,
                        "the member that stayed saw a rebalance when " + which + " restarted");
                assertEquals(List.of("assigned " + owned), restartedEvents.log);
                assertEquals(owned, restarted.assignment());
                assertEquals(generation, stays.groupMetadata().generationId(), "a new generation");
                assertEquals(generation, restarted.groupMetadata().generationId());
                assertTrue(!restarted.groupMetadata().memberId().equals(oldMemberId), "a new member id");
            }
            try (Admin admin = strand.admin()) {
                ConsumerGroupDescription group =
                        admin.describeConsumerGroups(List.of("g-static-restart")).all().get().get("g-static-restart");
                assertEquals(GroupState.STABLE, group.groupState());
                assertEquals(2, group.members().size());
                assertTrue(group.members().stream().noneMatch(m -> m.consumerId().equals(leader)));
            }
        } finally {
            for (KafkaConsumer<String, String> consumer : live.values()) {
                consumer.close();
            }
        }
    }

    @Test
    void a_second_live_process_with_the_same_instance_id_fences_the_first() throws Exception {
        Object[] staticA = {ConsumerConfig.GROUP_ID_CONFIG, "g-fence",
            ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a"};
        try (KafkaConsumer<String, String> first = strand.consumer(staticA)) {
            first.subscribe(List.of(TOPIC));
            pollUntil("first owns the partition", () -> first.assignment().equals(Set.of(TP)), first);
            try (KafkaConsumer<String, String> second = strand.consumer(staticA)) {
                second.subscribe(List.of(TOPIC));
                pollUntil("second owns the partition", () -> second.assignment().equals(Set.of(TP)), second);
                // The first one's next heartbeat is answered FENCED_INSTANCE_ID, which is fatal.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                FencedInstanceIdException fenced = null;
                while (fenced == null && System.nanoTime() < deadline) {
                    try {
                        first.poll(Duration.ofMillis(100));
                    } catch (FencedInstanceIdException e) {
                        fenced = e;
                    }
                }
                assertNotNull(fenced, "the first instance-a was not fenced");
                assertEquals(Set.of(TP), second.assignment());
            }
        }
    }

    @Test
    void a_dynamic_member_leaves_on_close_and_the_group_empties() throws Exception {
        try (Admin admin = strand.admin()) {
            try (KafkaConsumer<String, String> a = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-leave")) {
                a.subscribe(List.of(TOPIC));
                pollUntil("a owns the partition", () -> a.assignment().equals(Set.of(TP)), a);
                a.commitSync(Map.of(TP, new OffsetAndMetadata(0)));
            }
            ConsumerGroupDescription group =
                    admin.describeConsumerGroups(List.of("g-leave")).all().get().get("g-leave");
            assertEquals(GroupState.EMPTY, group.groupState());
            assertEquals(0, group.members().size());
        }
    }

    @Test
    void assign_without_a_group_commits_with_generation_minus_one() throws Exception {
        produce(0, 4);
        try (KafkaConsumer<String, String> consumer = strand.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g-assign")) {
            consumer.assign(List.of(TP));
            consumer.seek(TP, 2);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (records.size() < 2 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(List.of(2L, 3L), records.stream().map(ConsumerRecord::offset).toList());
            consumer.commitSync();
            assertEquals(4, consumer.committed(Set.of(TP)).get(TP).offset());
        }
    }
}

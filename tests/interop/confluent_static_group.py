"""confluent-kafka (librdkafka) static group membership (KIP-345) against a running broker.

Usage: confluent_static_group.py BOOTSTRAP

On a two-partition topic of its own:
  1. restart within the session timeout, with the eager range assignor and with
     the cooperative-sticky one: consumers X and Y (group.instance.id set)
     share the partitions; Y closes (a static member does not leave the group)
     and a new consumer with Y's instance id takes Y's partition back, while X
     sees no revocation and no new assignment (no rebalance);
  2. two processes with one instance id: Z1 holds both partitions; Z2 starts
     with Z1's instance id and takes them over; Z1 is fenced: a fatal error
     (FENCED_INSTANCE_ID) on its next poll, and Z2 keeps its partitions.
Every wait is bounded; exits non-zero with a message on the first mismatch.
"""

import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

SESSION_MS = 30000


def fail(msg):
    print(f"confluent_static_group: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


class Member:
    """A subscribed consumer that records its rebalance callbacks and errors."""

    def __init__(self, bootstrap, group, topic, name, instance, strategy="range"):
        self.name = name
        self.events = []
        self.errors = []
        self.assignment = None
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "group.instance.id": instance,
            "client.id": f"static-{name}",
            "session.timeout.ms": SESSION_MS,
            "heartbeat.interval.ms": 500,
            "partition.assignment.strategy": strategy,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "socket.timeout.ms": 10000,
        })
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke,
                                on_lost=self._on_lost)

    def _on_assign(self, _consumer, partitions):
        # Cooperative assignors hand over increments: the whole assignment is read after poll().
        self.events.append(("assign", sorted(p.partition for p in partitions)))

    def _on_revoke(self, _consumer, partitions):
        self.events.append(("revoke", sorted(p.partition for p in partitions)))

    def _on_lost(self, _consumer, partitions):
        self.events.append(("lost", sorted(p.partition for p in partitions)))

    def poll(self):
        msg = self.consumer.poll(0.1)
        if msg is not None and msg.error():
            self.errors.append(msg.error())
        if self.events:
            try:
                self.assignment = sorted(p.partition for p in self.consumer.assignment())
            except KafkaException as e:
                self.errors.append(e.args[0])

    def close(self):
        try:
            self.consumer.close()
        except KafkaException as e:
            # A fenced consumer's close reports the fatal error again.
            self.errors.append(e.args[0])


def poll_until(members, done, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for m in members:
            m.poll()
        if done():
            return
    fail(f"{what}: not within {seconds} s; " + "; ".join(
        f"{m.name}: events {m.events} errors {[(e.name(), e.fatal(), e.str()) for e in m.errors]}" for m in members))


def poll_for(members, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for m in members:
            m.poll()


def no_errors(members, what):
    for m in members:
        if m.errors:
            fail(f"{what}: {m.name} got errors {[(e.name(), e.str()) for e in m.errors]}")


def is_fenced(error):
    """librdkafka makes FENCED_INSTANCE_ID fatal: poll() reports _FATAL with the
    broker error's own description in the text (or the code itself, fatal)."""
    fenced = KafkaError(KafkaError.FENCED_INSTANCE_ID)
    return (error.code() == KafkaError._FATAL and fenced.str() in error.str()
            or error.code() == KafkaError.FENCED_INSTANCE_ID and error.fatal())


def restart(bootstrap, admin, topic, group, strategy):
    """Part 1 with one assignor (eager or cooperative: a rebalance shows in X's
    callbacks either way)."""
    x = Member(bootstrap, group, topic, "X", "instance-x", strategy)
    poll_until([x], lambda: x.assignment == [0, 1], 60, "X alone is assigned both partitions")
    y = Member(bootstrap, group, topic, "Y", "instance-y", strategy)
    poll_until([x, y], lambda: x.assignment is not None and y.assignment is not None
               and sorted(x.assignment + y.assignment) == [0, 1] and x.assignment and y.assignment,
               60, "X and Y share the two partitions")
    poll_for([x, y], 2)
    no_errors([x, y], "X and Y")
    x_events = list(x.events)
    y_partitions = y.assignment
    print(f"{strategy}: X {x.assignment}, Y {y_partitions}; X's callbacks so far: {x_events}", flush=True)

    y.close()
    print("Y closed", flush=True)
    poll_for([x], 1)
    y2 = Member(bootstrap, group, topic, "Y2", "instance-y", strategy)
    poll_until([x, y2], lambda: y2.assignment is not None, 30, "the restarted Y is assigned")
    if y2.assignment != y_partitions:
        fail(f"the restarted Y got {y2.assignment}, expected Y's partitions {y_partitions}")
    poll_for([x, y2], 3)
    no_errors([x, y2], "after Y's restart")
    if x.events != x_events:
        fail(f"X saw a rebalance when Y restarted: callbacks {x.events[len(x_events):]}")
    if y2.events != [("assign", y_partitions)]:
        fail(f"the restarted Y's callbacks {y2.events}, expected one assignment of {y_partitions}")
    desc = admin.describe_consumer_groups([group], request_timeout=15)[group].result(timeout=20)
    instances = sorted(m.group_instance_id for m in desc.members)
    if instances != ["instance-x", "instance-y"]:
        fail(f"describe_consumer_groups after the restart: members {instances}")
    print(f"{strategy}: restarted Y got {y2.assignment} back; X saw no revocation ({desc.state.name})", flush=True)
    x.close()
    y2.close()


def main():
    bootstrap = sys.argv[1]
    run_id = f"{time.time_ns():x}"
    topic = f"static-{run_id}"
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)],
                            request_timeout=15)[topic].result(timeout=20)
    except Exception as e:  # noqa: BLE001 - report whatever the client raised
        fail(f"create_topics {topic} raised {type(e).__name__}: {e}")

    # --- 1. a static member restarts within its session timeout ---
    for strategy in ("range", "cooperative-sticky"):
        restart(bootstrap, admin, topic, f"static-restart-{strategy}-{run_id}", strategy)

    # --- 2. two processes with one instance id: the older is fenced ---
    group = f"static-fence-{run_id}"
    z1 = Member(bootstrap, group, topic, "Z1", "instance-z")
    poll_until([z1], lambda: z1.assignment == [0, 1], 60, "Z1 is assigned both partitions")
    z2 = Member(bootstrap, group, topic, "Z2", "instance-z")
    poll_until([z1, z2], lambda: z2.assignment == [0, 1] and any(is_fenced(e) for e in z1.errors), 30,
               "Z2 takes over and Z1 is fenced")
    fenced = next(e for e in z1.errors if is_fenced(e))
    print(f"Z1 fenced: {fenced.name()}: {fenced.str()}", flush=True)
    others = [e for e in z1.errors if not is_fenced(e)]
    if others:
        fail(f"Z1 got other errors than the fencing: {[(e.name(), e.str()) for e in others]}")
    z2_events = list(z2.events)
    poll_for([z2], 3)
    no_errors([z2], "Z2 after Z1 was fenced")
    if z2.events != z2_events or z2.assignment != [0, 1]:
        fail(f"Z2 lost its partitions after Z1 was fenced: callbacks {z2.events}")
    desc = admin.describe_consumer_groups([group], request_timeout=15)[group].result(timeout=20)
    if len(desc.members) != 1 or desc.members[0].client_id != "static-Z1":
        # Kafka keeps the replaced member's client id for the new member id.
        fail(f"describe_consumer_groups: members {[(m.client_id, m.group_instance_id) for m in desc.members]}, "
             f"expected one (instance-z, client id static-Z1 kept from the replaced member)")
    z1.close()
    z2.close()
    admin.delete_topics([topic], request_timeout=15)[topic].result(timeout=20)
    print("confluent_static_group: OK")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    main()

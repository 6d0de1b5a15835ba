"""Creates a scenario's topic on the reference Kafka: one partition, one replica,
and waits until Metadata shows it led, so the scenario starts as on a fresh strand.

  _setup.py create BOOTSTRAP TOPIC [SASL_USER SASL_PASSWORD]
"""

import sys
import time

import common


def main():
    _, cmd, bootstrap, topic, *sasl = sys.argv
    assert cmd == "create"
    conn = common.Conn(bootstrap, client_id="compat-setup")
    if sasl:
        hs, auth = common.sasl_plain(conn, *sasl)
        assert auth not in (None, "closed") and auth["error_code"] == 0, (hs, auth)
    resp = conn.request("CreateTopics", 7, timeout_ms=30000, validate_only=False,
                        topics=[{"name": topic, "num_partitions": 1, "replication_factor": 1,
                                 "assignments": [], "configs": []}])
    code = resp["topics"][0]["error_code"]
    if code not in (0, 36):  # NONE, TOPIC_ALREADY_EXISTS
        sys.exit(f"CreateTopics {topic}: {common.err_name(code)}")
    deadline = time.time() + 30
    while time.time() < deadline:
        md = conn.request("Metadata", 12, topics=[{"name": topic}], allow_auto_topic_creation=False,
                          include_topic_authorized_operations=False)
        t = md["topics"][0]
        if t["error_code"] == 0 and t["partitions"] and t["partitions"][0]["leader_id"] >= 0:
            break
        time.sleep(0.1)
    else:
        sys.exit(f"topic {topic} has no leader after 30 s")
    # The first group request makes Kafka create __consumer_offsets; until it is
    # loaded, group APIs answer NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS.
    # A client would retry; the scenarios start once groups are served.
    while time.time() < deadline + 30:
        fc = conn.request("FindCoordinator", 3, key="compat-setup", key_type=0)
        if fc["error_code"] == 0:
            of = conn.request("OffsetFetch", 7, group_id="compat-setup", topics=None, require_stable=False)
            if of["error_code"] == 0:
                break
        time.sleep(0.1)
    else:
        sys.exit("the group coordinator is not available after 30 s")
    # Likewise the first InitProducerId makes the controller hand out a block of
    # producer ids (COORDINATOR_LOAD_IN_PROGRESS until then).
    while time.time() < deadline + 60:
        ip = conn.request("InitProducerId", 4, transactional_id=None, transaction_timeout_ms=60000,
                          producer_id=-1, producer_epoch=-1)
        if ip["error_code"] == 0:
            print(f"created {topic}, groups and producer ids served")
            return
        time.sleep(0.1)
    sys.exit("InitProducerId is not served after 30 s")


main()

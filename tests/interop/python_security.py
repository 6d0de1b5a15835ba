"""kafka-python and confluent-kafka against a SASL listener, with each mechanism.

    python python_security.py ADDR PROTOCOL CA_FILE

PROTOCOL is SASL_PLAINTEXT or SASL_SSL. For each of PLAIN, SCRAM-SHA-256 and
SCRAM-SHA-512: kafka-python (its own SCRAM code) produces a message and reads it
back at its offset, confluent-kafka (librdkafka) produces one; then a wrong
password must keep kafka-python from bootstrapping. Users as security.sh writes
them. Exits non-zero on the first failure.
"""
import sys

import confluent_kafka
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

addr, protocol, ca = sys.argv[1], sys.argv[2], sys.argv[3]
TOPIC = "secured"
tls = {"ssl_cafile": ca} if protocol == "SASL_SSL" else {}
tls_conf = {"ssl.ca.location": ca} if protocol == "SASL_SSL" else {}


def kafka_python(mechanism, user, password, **extra):
    return dict(bootstrap_servers=addr, security_protocol=protocol, sasl_mechanism=mechanism,
                sasl_plain_username=user, sasl_plain_password=password, **tls, **extra)


for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]:
    value = f"kafka-python {mechanism}".encode()
    producer = KafkaProducer(**kafka_python(mechanism, "alice", "alice-secret"))
    offset = producer.send(TOPIC, key=b"py", value=value).get(timeout=20).offset
    producer.close()
    consumer = KafkaConsumer(**kafka_python(mechanism, "alice", "alice-secret", consumer_timeout_ms=10000))
    partition = TopicPartition(TOPIC, 0)
    consumer.assign([partition])
    consumer.seek(partition, offset)
    got = [m.value for m in consumer][:1]
    consumer.close()
    assert got == [value], f"kafka-python {mechanism}: read {got} at offset {offset}"
    print(f"kafka-python {protocol} {mechanism}: produced and read back offset {offset}")

    delivered = []
    producer = confluent_kafka.Producer({"bootstrap.servers": addr, "security.protocol": protocol,
                                         "sasl.mechanisms": mechanism, "sasl.username": "bob",
                                         "sasl.password": "pass:with:colons", "message.timeout.ms": 20000,
                                         **tls_conf})
    producer.produce(TOPIC, b"confluent", on_delivery=lambda err, msg: delivered.append((err, msg.offset())))
    producer.flush(30)
    assert delivered and delivered[0][0] is None, f"confluent-kafka {mechanism}: {delivered}"
    print(f"confluent-kafka {protocol} {mechanism}: delivered at offset {delivered[0][1]}")

try:
    KafkaProducer(**kafka_python("SCRAM-SHA-256", "alice", "wrong", request_timeout_ms=5000, max_block_ms=5000))
except KafkaError as e:
    print(f"kafka-python with a wrong password: refused ({type(e).__name__})")
else:
    sys.exit("kafka-python with a wrong password was served")

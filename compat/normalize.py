"""Normalises a differential scenario's output (stdin to stdout): what legitimately
differs between two brokers, or two runs, becomes a placeholder. The scenarios
already print ids and clocks as placeholders where they know them; this catches
what slips through in free text such as error messages and exceptions."""

import re
import sys

RULES = [
    # host:port of a loopback listener (ports are ephemeral on both brokers)
    (re.compile(r"\b(?:127\.0\.0\.1|localhost|\[::1\]):\d+\b"), "<addr>"),
    # UUIDs (topic ids, member ids of the form client-id-UUID)
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    # client hosts as Kafka prints them in group descriptions
    (re.compile(r"/127\.0\.0\.1\b"), "/<host>"),
]


def main():
    for line in sys.stdin:
        for pattern, repl in RULES:
            line = pattern.sub(repl, line)
        sys.stdout.write(line)


main()

#!/usr/bin/env bash
# v2 and v3 produce with curl, as a shell script without a Kafka client would:
#   bash curl_produce.sh HTTP_ADDR
# A v2 binary produce answers an offset for partition 0 of `events`; a v3
# produce of one record answers error_code 200 with its offset; a wrong content
# type is 415 with the REST Proxy's JSON error body.
set -euo pipefail
HTTP="http://$1"
fail() { echo "curl_produce.sh: $*" >&2; exit 1; }

out="$(curl -sS --max-time 10 -X POST -H 'Content-Type: application/vnd.kafka.binary.v2+json' \
    --data '{"records":[{"key":"a2V5","value":"aGVsbG8gZnJvbSBjdXJs"}]}' "$HTTP/topics/events")"
grep -Eq '"offsets":\[\{[^]]*"offset":[0-9]+' <<<"$out" || fail "v2 produce answered $out"
grep -q '"partition":0' <<<"$out" || fail "v2 produce answered $out"

out="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/plain' \
    --data 'hello' "$HTTP/topics/events")"
[[ $out == 415 ]] || fail "a text/plain produce answered HTTP $out, not 415"

cluster="$(curl -sS --max-time 10 "$HTTP/v3/clusters" | grep -o '"cluster_id":"[^"]*"' | head -1 | cut -d'"' -f4)"
[[ -n $cluster ]] || fail "no cluster id in /v3/clusters"
out="$(curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' \
    --data '{"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"from":"curl"}}}' \
    "$HTTP/v3/clusters/$cluster/topics/events/records")"
grep -q '"error_code":200' <<<"$out" || fail "v3 produce answered $out"
grep -Eq '"offset":[0-9]+' <<<"$out" || fail "v3 produce answered $out"
echo "curl_produce.sh: ok"

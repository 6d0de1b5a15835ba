'use strict'
/*
 * kafkajs admin: topics and partitions created, altered and deleted at run
 * time, then produced to and consumed across their partitions.
 *
 * Usage: node kafkajs_topics.js BOOTSTRAP [AUTO_PARTITIONS]
 * (kafkajs is found through NODE_PATH; run.sh installs it.)
 *
 * Against any broker (run.sh: strand, or the reference Kafka with
 * INTEROP_BOOTSTRAP). Topic names carry this run's id.
 *  - createTopics: 3 partitions with configEntries (retention.ms,
 *    message.timestamp.type=CreateTime), validateOnly (nothing created); the
 *    same topic again resolves false (kafkajs's TOPIC_ALREADY_EXISTS);
 *    INVALID_TOPIC_EXCEPTION for a bad name, INVALID_REPLICATION_FACTOR for 3
 *  - fetchTopicMetadata: partitions 0..2, each led by the one broker, which
 *    is its only replica and ISR; listTopics lists it
 *  - createPartitions 3 -> 4, validateOnly 4 -> 8 (stays 4), 4 -> 2
 *    INVALID_PARTITIONS
 *  - the default (murmur2) partitioner spreads 100 keyed messages over the 4
 *    partitions; a consumer group reads back exactly those, partition by
 *    partition; fetchTopicOffsets gives each partition's high watermark
 *  - deleteTopics: gone from listTopics and fetchTopicMetadata
 * With AUTO_PARTITIONS (a broker that auto-creates topics with that many
 * partitions): a producer send to an unknown topic creates it with
 * AUTO_PARTITIONS partitions and is delivered.
 */

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const { Kafka, logLevel } = require('kafkajs')

const bootstrap = process.argv[2]
const autoPartitions = process.argv[3] ? Number(process.argv[3]) : null
if (!bootstrap) {
  console.error('usage: kafkajs_topics.js BOOTSTRAP [AUTO_PARTITIONS]')
  process.exit(2)
}
const run = `${Date.now().toString(16)}-${process.pid}`
const topic = `kjs-${run}-main`

function fail (msg) {
  console.error(`kafkajs_topics: FAIL: ${msg}`)
  process.exit(1)
}

function step (what, ms, fn) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([fn(), timeout]).finally(() => clearTimeout(timer)).catch((e) => {
    e.step = e.step || what
    throw e
  })
}

// The protocol error type of a rejected admin call (kafkajs wraps CreateTopics
// errors in a KafkaJSAggregateError, and a retriable one it gave up on in a
// KafkaJSNumberOfRetriesExceeded).
function errorType (e) {
  if (e.errors && e.errors.length) return e.errors.map(errorType).join(',')
  if (e.cause) return errorType(e.cause)
  return e.type || e.name
}

async function expectError (type, what, fn) {
  try {
    await step(what, 20000, fn)
  } catch (e) {
    if (errorType(e) !== type) fail(`${what}: ${errorType(e)} (${e.message}), expected ${type}`)
    console.log(`${what} -> ${type}: ok`)
    return
  }
  fail(`${what} succeeded, expected ${type}`)
}

// Partition count per topic (null: absent) as soon as it equals `want` (Kafka's
// brokers learn of a change a moment after the admin call returns), else what
// was seen after 10 s.
async function partitionCounts (admin, want) {
  const deadline = Date.now() + 10000
  for (;;) {
    const listed = new Set(await admin.listTopics())
    const got = {}
    for (const name of Object.keys(want)) {
      got[name] = null
      if (listed.has(name)) {
        const md = await admin.fetchTopicMetadata({ topics: [name] })
        got[name] = md.topics[0].partitions.length
      }
    }
    if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > deadline) return got
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function main () {
  const kafka = new Kafka({
    clientId: 'kafkajs-topics',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    requestTimeout: 15000
  })
  const admin = kafka.admin()
  await step('admin.connect', 15000, () => admin.connect())

  const validated = await step('createTopics(validateOnly)', 20000, () => admin.createTopics({
    validateOnly: true, waitForLeaders: false, topics: [{ topic: `kjs-${run}-validate`, numPartitions: 2, replicationFactor: 1 }]
  }))
  const created = await step('createTopics', 20000, () => admin.createTopics({
    topics: [{
      topic,
      numPartitions: 3,
      replicationFactor: 1,
      configEntries: [{ name: 'retention.ms', value: '7200000' }, { name: 'message.timestamp.type', value: 'CreateTime' }]
    }]
  }))
  if (created !== true) fail(`createTopics(${topic}) resolved ${created}, expected true`)
  let counts = await partitionCounts(admin, { [topic]: 3, [`kjs-${run}-validate`]: null })
  if (counts[topic] !== 3 || counts[`kjs-${run}-validate`] !== null) {
    fail(`after createTopics: ${JSON.stringify(counts)} (validateOnly resolved ${validated})`)
  }
  console.log(`createTopics ${topic} with 3 partitions; validateOnly created nothing: ok`)
  const again = await step('createTopics duplicate', 20000, () => admin.createTopics({
    waitForLeaders: false, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }]
  }))
  if (again !== false) fail(`createTopics of an existing topic resolved ${again}, expected false`)
  console.log('createTopics duplicate -> false (TOPIC_ALREADY_EXISTS): ok')
  await expectError('INVALID_TOPIC_EXCEPTION', 'createTopics "no spaces"', () => admin.createTopics({
    waitForLeaders: false, topics: [{ topic: 'no spaces', numPartitions: 1, replicationFactor: 1 }]
  }))
  await expectError('INVALID_REPLICATION_FACTOR', 'createTopics replicationFactor 3', () => admin.createTopics({
    waitForLeaders: false, topics: [{ topic: `kjs-${run}-rf3`, numPartitions: 1, replicationFactor: 3 }]
  }))

  const md = await step('fetchTopicMetadata', 15000, () => admin.fetchTopicMetadata({ topics: [topic] }))
  const parts = md.topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId)
  if (parts.map((p) => p.partitionId).join() !== '0,1,2') fail(`partitions ${JSON.stringify(parts)}`)
  const leader = parts[0].leader
  for (const p of parts) {
    if (p.partitionErrorCode !== 0 || p.leader !== leader || leader < 0 ||
        p.replicas.join() !== String(leader) || p.isr.join() !== String(leader)) {
      fail(`partition ${JSON.stringify(p)}, expected leader = only replica = only ISR`)
    }
  }
  console.log(`fetchTopicMetadata: partitions 0..2 led by node ${leader}: ok`)

  await step('createPartitions 3 -> 4', 20000, () => admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] }))
  await step('createPartitions(validateOnly) 4 -> 8', 20000, () =>
    admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic, count: 8 }] }))
  await expectError('INVALID_PARTITIONS', 'createPartitions 4 -> 2', () =>
    admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] }))
  counts = await partitionCounts(admin, { [topic]: 4 })
  if (counts[topic] !== 4) fail(`after createPartitions 4 and validateOnly 8: ${JSON.stringify(counts)}`)
  console.log('createPartitions 3 -> 4, validateOnly 8 left 4: ok')

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await step('producer.connect', 15000, () => producer.connect())
  const messages = []
  for (let i = 0; i < 100; i++) messages.push({ key: `key-${i}`, value: `value-${i}` })
  const sent = await step('producer.send', 30000, () => producer.send({ topic, acks: -1, messages }))
  const byPartition = new Map(sent.map((r) => [r.partition, r]))
  if ([...byPartition.keys()].sort().join() !== '0,1,2,3') {
    fail(`100 keyed messages went to partitions ${[...byPartition.keys()]}, expected all of 0..3`)
  }
  const offsets = await step('fetchTopicOffsets', 15000, () => admin.fetchTopicOffsets(topic))
  let total = 0
  for (const o of offsets) {
    const r = byPartition.get(o.partition)
    if (o.low !== '0' || Number(o.high) < 1) fail(`fetchTopicOffsets ${JSON.stringify(o)}`)
    if (r.baseOffset !== '0') fail(`partition ${o.partition}: base offset ${r.baseOffset}, expected 0`)
    total += Number(o.high)
  }
  if (total !== 100) fail(`high watermarks sum to ${total}, expected 100`)

  const consumer = kafka.consumer({ groupId: `kjs-${run}`, sessionTimeout: 10000, heartbeatInterval: 500 })
  await step('consumer.connect', 15000, () => consumer.connect())
  await consumer.subscribe({ topic, fromBeginning: true })
  const got = new Map()
  let seen = 0
  const done = new Promise((resolve) => {
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (!got.has(partition)) got.set(partition, [])
        got.get(partition).push([Number(message.offset), message.key.toString()])
        if (++seen === 100) resolve()
      }
    })
  })
  await step('consume 100 messages', 40000, () => done)
  await consumer.disconnect()
  for (const o of offsets) {
    const list = got.get(o.partition) || []
    if (list.map(([off]) => off).join() !== [...Array(Number(o.high)).keys()].join()) {
      fail(`partition ${o.partition}: consumed offsets ${list.map(([off]) => off)}, expected 0..${Number(o.high) - 1}`)
    }
  }
  // The murmur2 partitioner is deterministic: the same key again lands where it did.
  const resend = await step('producer.send again', 15000, () =>
    producer.send({ topic, acks: -1, messages: [{ key: 'key-7', value: 'again' }] }))
  const first = [...got.entries()].find(([, list]) => list.some(([, k]) => k === 'key-7'))[0]
  if (resend[0].partition !== first) fail(`key-7 went to ${resend[0].partition} the second time, ${first} the first`)
  console.log('100 keyed messages over 4 partitions, each partition read back from 0 in a group: ok')

  await step('deleteTopics', 20000, () => admin.deleteTopics({ topics: [topic] }))
  counts = await partitionCounts(admin, { [topic]: null })
  if (counts[topic] !== null) fail(`${topic} still listed after deleteTopics: ${JSON.stringify(counts)}`)
  await expectError('UNKNOWN_TOPIC_OR_PARTITION', 'deleteTopics again', () => admin.deleteTopics({ topics: [topic] }))
  console.log('deleteTopics: gone: ok')

  if (autoPartitions !== null) {
    const auto = `kjs-${run}-auto`
    const autoProducer = kafka.producer({ allowAutoTopicCreation: true })
    await step('auto producer.connect', 15000, () => autoProducer.connect())
    const res = await step(`send to unknown ${auto}`, 30000, () =>
      autoProducer.send({ topic: auto, acks: -1, messages: [{ key: 'a', value: 'auto' }] }))
    if (res[0].errorCode !== 0) fail(`send to ${auto}: ${JSON.stringify(res)}`)
    counts = await partitionCounts(admin, { [auto]: autoPartitions })
    if (counts[auto] !== autoPartitions) fail(`auto-created ${auto}: ${JSON.stringify(counts)}, expected ${autoPartitions}`)
    console.log(`send to an unknown topic auto-created it with ${autoPartitions} partitions: ok`)
    await autoProducer.disconnect()
    await admin.deleteTopics({ topics: [auto] })
  }
  await producer.disconnect()
  await admin.disconnect()
  console.log('kafkajs_topics: OK')
}

main().catch((e) => fail(`${e.step || 'main'}: ${e.name}: ${errorType(e)}: ${e.message}`))

'use strict'
/*
 * kafkajs against a running strand broker.
 *
 * Usage: node kafkajs_roundtrip.js BOOTSTRAP
 * (kafkajs is found through NODE_PATH; run.sh installs it.)
 *
 * Every message this check produces is keyed "kjs-RUNID-..." so that the
 * check only ever looks at its own messages in the shared topic.
 *  (a) a default producer and an idempotent one (InitProducerId) each send 200
 *      messages with keys, headers and timestamps to partition 0, 10 sends of
 *      20; the base offsets returned must be contiguous (no other client
 *      produces meanwhile).
 *  (b) admin.setOffsets puts a fresh group at this check's first offset (the
 *      topic may hold batches of other checks, possibly compressed with codecs
 *      kafkajs lacks); a consumer in that group (fromBeginning: true, no auto
 *      commit) reads all 400 messages and compares key/value/headers/timestamp/
 *      offset, commits the high watermark and disconnects (LeaveGroup). After
 *      5 more messages are produced, a second consumer in the same group must
 *      resume at the committed offset and see exactly those 5.
 *  (c) admin: fetchOffsets shows the committed offset, describeGroups shows
 *      the group Stable with one member while the consumer runs and Empty
 *      after it left, listGroups lists it, listTopics includes the topic,
 *      fetchTopicOffsets' high matches the high watermark.
 * Every step has its own timeout. Mismatches that do not stop later steps
 * are collected and reported at the end; exits non-zero on any.
 * KAFKAJS_DEBUG=1 prints kafkajs's debug log; the API versions kafkajs
 * negotiated are always printed at the end.
 */

// kafkajs 2 warns about its v2 partitioner change; every send here names partition 0.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const { Kafka, logLevel } = require('kafkajs')

const TOPIC = 'interop'
const PER_PRODUCER = 200
const PER_SEND = 20
const MORE = 5
const DEBUG = !!process.env.KAFKAJS_DEBUG

const bootstrap = process.argv[2]
if (!bootstrap) {
  console.error('usage: kafkajs_roundtrip.js BOOTSTRAP')
  process.exit(2)
}

const runId = `${Date.now().toString(16)}-${process.pid}`
const groupId = `kjs-group-${runId}`
const problems = []
const negotiated = new Map() // "Name(key: k)" -> Set of versions

function problem(msg) {
  console.error(`kafkajs_roundtrip: MISMATCH: ${msg}`)
  problems.push(msg)
}

function summary() {
  const apis = [...negotiated.entries()]
    .map(([api, vs]) => `${api} v${[...vs].sort((a, b) => a - b).join('/v')}`)
    .sort()
  console.log(`kafkajs ${require('kafkajs/package.json').version} requests sent: ${apis.join(', ')}`)
}

// kafkajs's logger: remembers the version of every request it sends, prints
// warnings and errors (everything with KAFKAJS_DEBUG).
const logCreator = () => ({ namespace, level, label, log }) => {
  const { message, timestamp, logger, ...extra } = log
  const m = /^Request (\w+)\(key: (\d+), version: (\d+)\)/.exec(message)
  if (m) {
    const api = `${m[1]}(key: ${m[2]})`
    if (!negotiated.has(api)) negotiated.set(api, new Set())
    negotiated.get(api).add(Number(m[3]))
  }
  if (DEBUG || level <= logLevel.WARN) {
    let rest = JSON.stringify(extra)
    if (rest.length > 600) rest = rest.slice(0, 600) + '...'
    console.error(`kafkajs ${label} [${namespace}] ${message} ${rest}`)
  }
}

const kafka = new Kafka({
  clientId: `strand-interop-${runId}`,
  brokers: [bootstrap],
  connectionTimeout: 5000,
  requestTimeout: 15000,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  logLevel: logLevel.DEBUG,
  logCreator,
})

// step NAME MS FN: runs FN, failing with NAME if it takes longer than MS.
async function step(name, ms, fn) {
  const start = Date.now()
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  try {
    const result = await Promise.race([fn(), timeout])
    console.log(`ok: ${name} (${Date.now() - start} ms)`)
    return result
  } catch (e) {
    const err = new Error(`${name}: ${e && e.name ? e.name + ': ' : ''}${e && e.message}`)
    err.cause = e
    throw err
  } finally {
    clearTimeout(timer)
  }
}

const expected = new Map() // key -> {value, headers, timestamp, offset}
const clients = [] // connected clients, disconnected on the way out

function makeMessage(phase, i) {
  const key = `kjs-${runId}-${phase}-${i}`
  // A fixed, distinct CreateTime per message (ms, as a string).
  const timestamp = String(1700000000000 + i * 1000 + (phase === 'idem' ? 500 : 0))
  const headers = { run: runId, idx: String(i) }
  if (i % 10 === 0) headers.multi = ['one', 'two'] // a header key twice
  const value = i % 50 === 49 ? null : `${phase} value ${i} ${'x'.repeat(i % 40)}`
  return { key, value, headers, timestamp, partition: 0 }
}

async function produce(producer, phase, count, perSend) {
  const sent = []
  let next = null
  for (let i = 0; i < count; i += perSend) {
    const messages = []
    for (let j = i; j < Math.min(count, i + perSend); j++) messages.push(makeMessage(phase, j))
    const meta = await producer.send({ topic: TOPIC, acks: -1, timeout: 10000, messages })
    const md = meta.find(r => r.topicName === TOPIC && r.partition === 0)
    if (!md) throw new Error(`send returned no metadata for ${TOPIC}[0]: ${JSON.stringify(meta)}`)
    if (md.errorCode !== 0) throw new Error(`send returned error code ${md.errorCode}`)
    const base = Number(md.baseOffset)
    if (next !== null && base !== next) {
      problem(`${phase}: send #${i / perSend} got base offset ${base}, expected ${next} (contiguous)`)
    }
    messages.forEach((m, j) => {
      expected.set(m.key, { ...m, offset: base + j })
      sent.push(base + j)
    })
    next = base + messages.length
  }
  return sent
}

function headerText(v) {
  if (Array.isArray(v)) return v.map(headerText)
  return Buffer.isBuffer(v) ? v.toString() : v
}

function compare(msg) {
  const key = msg.key ? msg.key.toString() : null
  const want = expected.get(key)
  if (!want) return false
  const gotValue = msg.value === null ? null : msg.value.toString()
  const gotHeaders = {}
  for (const [k, v] of Object.entries(msg.headers || {})) gotHeaders[k] = headerText(v)
  const diffs = []
  if (Number(msg.offset) !== want.offset) diffs.push(`offset ${msg.offset} != ${want.offset}`)
  if (gotValue !== want.value) diffs.push(`value ${JSON.stringify(gotValue)} != ${JSON.stringify(want.value)}`)
  if (JSON.stringify(gotHeaders) !== JSON.stringify(want.headers)) {
    diffs.push(`headers ${JSON.stringify(gotHeaders)} != ${JSON.stringify(want.headers)}`)
  }
  if (msg.timestamp !== want.timestamp) diffs.push(`timestamp ${msg.timestamp} != ${want.timestamp}`)
  if (diffs.length) problem(`message ${key}: ${diffs.join('; ')}`)
  return true
}

// consumeUntil CONSUMER DONE: runs CONSUMER (subscribed already) and collects
// this check's messages until DONE(collected) says so.
function consumeUntil(consumer, done) {
  const collected = []
  const foreign = []
  return new Promise((resolve, reject) => {
    let finished = false
    consumer.on(consumer.events.CRASH, ev => {
      if (!finished) reject(new Error(`consumer crashed: ${ev.payload && ev.payload.error}`))
    })
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const key = message.key ? message.key.toString() : null
          if (topic !== TOPIC || partition !== 0 || !key || !key.startsWith(`kjs-${runId}-`)) {
            foreign.push(`${topic}[${partition}]@${message.offset} key ${key}`)
            return
          }
          collected.push(message)
          if (!finished && done(collected)) {
            finished = true
            resolve({ collected, foreign })
          }
        },
      })
      .catch(reject)
  })
}

function groupConsumer() {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 500,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  })
  clients.push(consumer)
  return consumer
}

async function describeGroup(admin) {
  const { groups } = await admin.describeGroups([groupId])
  const g = groups.find(x => x.groupId === groupId)
  if (!g) throw new Error(`describeGroups returned no ${groupId}: ${JSON.stringify(groups)}`)
  return g
}

async function committedOffset(admin) {
  const res = await admin.fetchOffsets({ groupId, topics: [TOPIC] })
  const t = res.find(x => x.topic === TOPIC)
  const p = t && t.partitions.find(x => x.partition === 0)
  if (!p) throw new Error(`fetchOffsets returned no ${TOPIC}[0]: ${JSON.stringify(res)}`)
  return Number(p.offset)
}

async function main() {
  const admin = kafka.admin()
  clients.push(admin)
  await step('admin.connect', 15000, () => admin.connect())

  // (a) produce
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  clients.push(producer)
  await step('producer.connect', 15000, () => producer.connect())
  const plain = await step(`default producer: ${PER_PRODUCER} messages`, 30000, () =>
    produce(producer, 'plain', PER_PRODUCER, PER_SEND)
  )
  const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
  clients.push(idem)
  await step('idempotent producer.connect (InitProducerId)', 15000, () => idem.connect())
  const idemOffsets = await step(`idempotent producer: ${PER_PRODUCER} messages`, 30000, () =>
    produce(idem, 'idem', PER_PRODUCER, PER_SEND)
  )
  await step('idempotent producer.disconnect', 10000, () => idem.disconnect())
  const first = plain[0]
  const all = plain.concat(idemOffsets)
  if (JSON.stringify(all) !== JSON.stringify(all.map((_, i) => first + i))) {
    problem(`offsets of both producers not contiguous: ${all.slice(0, 3)}...${all.slice(-3)}`)
  }
  let hw = all[all.length - 1] + 1
  console.log(`produced ${all.length} messages at offsets ${first}..${hw - 1}`)

  // (c) topic-level admin calls
  const topics = await step('admin.listTopics', 15000, () => admin.listTopics())
  if (!topics.includes(TOPIC)) problem(`listTopics ${JSON.stringify(topics)} lacks ${TOPIC}`)
  const checkWatermark = async want => {
    const offs = await step('admin.fetchTopicOffsets', 15000, () => admin.fetchTopicOffsets(TOPIC))
    const p = offs.find(x => x.partition === 0)
    if (!p || offs.length !== 1) problem(`fetchTopicOffsets: ${JSON.stringify(offs)}, expected partition 0 only`)
    else if (Number(p.high) !== want || Number(p.offset) !== want) {
      problem(`fetchTopicOffsets: high ${p.high} offset ${p.offset}, expected the high watermark ${want}`)
    } else if (!(Number(p.low) <= first)) problem(`fetchTopicOffsets: low ${p.low} > this check's first offset ${first}`)
    else console.log(`fetchTopicOffsets: low ${p.low}, high ${p.high}`)
  }
  await checkWatermark(hw)

  // (b) the group starts at this check's first offset
  await step(`admin.setOffsets(${groupId} -> ${first})`, 30000, () =>
    admin.setOffsets({ groupId, topic: TOPIC, partitions: [{ partition: 0, offset: String(first) }] })
  )
  let committed = await step('admin.fetchOffsets after setOffsets', 15000, () => committedOffset(admin))
  if (committed !== first) problem(`committed offset after setOffsets is ${committed}, expected ${first}`)

  const c1 = groupConsumer()
  await step('consumer 1 connect', 15000, () => c1.connect())
  await step('consumer 1 subscribe', 15000, () => c1.subscribe({ topics: [TOPIC], fromBeginning: true }))
  const r1 = await step(`consumer 1 reads this check's ${all.length} messages`, 60000, () =>
    consumeUntil(c1, got => got.length >= all.length)
  )
  const seen = new Set()
  for (const m of r1.collected) {
    if (seen.has(m.key.toString())) problem(`consumer 1 got ${m.key} twice`)
    seen.add(m.key.toString())
    compare(m)
  }
  if (r1.foreign.length) problem(`consumer 1 got messages before this check's: ${r1.foreign.slice(0, 3)}`)
  if (Number(r1.collected[0].offset) !== first) {
    problem(`consumer 1 started at ${r1.collected[0].offset}, expected the offset set with setOffsets, ${first}`)
  }
  console.log(`consumer 1 read ${r1.collected.length} messages, ${r1.collected[0].offset}..${r1.collected[r1.collected.length - 1].offset}`)

  const running = await step('admin.describeGroups (consumer 1 running)', 15000, () => describeGroup(admin))
  if (running.state !== 'Stable' || running.members.length !== 1 || running.protocolType !== 'consumer') {
    problem(`describeGroups while consumer 1 runs: state ${running.state}, ${running.members.length} members, ` +
      `protocolType ${running.protocolType}; expected Stable, 1, consumer`)
  } else {
    console.log(`describeGroups: Stable, 1 member ${running.members[0].memberId}, protocol ${running.protocol}`)
  }

  await step(`consumer 1 commitOffsets(${hw})`, 15000, () =>
    c1.commitOffsets([{ topic: TOPIC, partition: 0, offset: String(hw) }])
  )
  await step('consumer 1 disconnect (LeaveGroup)', 20000, () => c1.disconnect())

  committed = await step('admin.fetchOffsets after consumer 1', 15000, () => committedOffset(admin))
  if (committed !== hw) problem(`committed offset after consumer 1 is ${committed}, expected ${hw}`)
  else console.log(`fetchOffsets: committed ${committed}`)
  const left = await step('admin.describeGroups (after consumer 1 left)', 15000, () => describeGroup(admin))
  if (left.state !== 'Empty' || left.members.length !== 0) {
    problem(`describeGroups after consumer 1 left: state ${left.state}, ${left.members.length} members; expected Empty, 0`)
  } else console.log('describeGroups: Empty, no members')
  const listed = await step('admin.listGroups', 15000, () => admin.listGroups())
  const mine = listed.groups.find(g => g.groupId === groupId)
  if (!mine || mine.protocolType !== 'consumer') {
    problem(`listGroups: ${JSON.stringify(mine || listed.groups.slice(0, 5))}, expected ${groupId} of protocolType consumer`)
  }

  // (b) resume: 5 more messages; consumer 2 sees only them.
  const more = await step(`default producer: ${MORE} more messages`, 30000, () =>
    produce(producer, 'more', MORE, MORE)
  )
  if (more[0] !== hw) problem(`the ${MORE} more messages start at ${more[0]}, expected ${hw}`)
  const resumeAt = hw
  hw = more[more.length - 1] + 1

  const c2 = groupConsumer()
  await step('consumer 2 connect', 15000, () => c2.connect())
  await step('consumer 2 subscribe', 15000, () => c2.subscribe({ topics: [TOPIC], fromBeginning: true }))
  const r2 = await step(`consumer 2 reads the ${MORE} new messages`, 60000, () =>
    consumeUntil(c2, got => got.length >= MORE)
  )
  // Anything past the 5 would have to be a redelivery: give it a moment.
  await new Promise(resolve => setTimeout(resolve, 1000))
  const offsets2 = r2.collected.map(m => Number(m.offset))
  const keys2 = r2.collected.map(m => m.key.toString())
  const want2 = more.map((_, i) => `kjs-${runId}-more-${i}`)
  if (JSON.stringify(keys2) !== JSON.stringify(want2) || r2.foreign.length) {
    problem(`consumer 2 (resuming at committed ${resumeAt}) got offsets ${offsets2} keys ${keys2}` +
      `${r2.foreign.length ? ' and ' + r2.foreign.slice(0, 3) : ''}; expected only ${want2} at ${more}`)
  } else {
    r2.collected.forEach(compare)
    console.log(`consumer 2 resumed at ${offsets2[0]} and read only the ${MORE} new messages`)
  }
  await step(`consumer 2 commitOffsets(${hw})`, 15000, () =>
    c2.commitOffsets([{ topic: TOPIC, partition: 0, offset: String(hw) }])
  )
  await step('consumer 2 disconnect (LeaveGroup)', 20000, () => c2.disconnect())

  committed = await step('admin.fetchOffsets after consumer 2', 15000, () => committedOffset(admin))
  if (committed !== hw) problem(`committed offset after consumer 2 is ${committed}, expected ${hw}`)
  else console.log(`fetchOffsets: committed ${committed}`)
  const left2 = await step('admin.describeGroups (after consumer 2 left)', 15000, () => describeGroup(admin))
  if (left2.state !== 'Empty') problem(`describeGroups after consumer 2 left: state ${left2.state}, expected Empty`)
  await checkWatermark(hw)

  await step('producer.disconnect', 10000, () => producer.disconnect())
  await step('admin.disconnect', 10000, () => admin.disconnect())
}

// A last resort should a step's timeout not end the run (e.g. a hung close).
const watchdog = setTimeout(() => {
  console.error('kafkajs_roundtrip: FAIL: still running after 150 s')
  summary()
  process.exit(1)
}, 150000)
watchdog.unref()

main().then(
  () => {
    summary()
    if (problems.length) {
      console.error(`kafkajs_roundtrip: FAIL: ${problems.length} mismatch(es), first: ${problems[0]}`)
      process.exit(1)
    }
    console.log('kafkajs_roundtrip: all checks passed')
    process.exit(0)
  },
  async e => {
    console.error(`kafkajs_roundtrip: FAIL: ${e.message}`)
    if (e.cause && e.cause.stack && DEBUG) console.error(e.cause.stack)
    summary()
    // Leave the group etc. if we can, but never hang on it.
    await Promise.race([
      Promise.allSettled(clients.map(c => c.disconnect())),
      new Promise(resolve => setTimeout(resolve, 5000)),
    ])
    process.exit(1)
  }
)

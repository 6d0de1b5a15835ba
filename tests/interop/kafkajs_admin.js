'use strict'
/*
 * kafkajs admin: the calls whose API strand serves, each checked for the
 * values it reads back.
 *
 * Usage: node kafkajs_admin.js BOOTSTRAP [PART]
 * (kafkajs is found through NODE_PATH; run.sh installs it.)
 *
 * Against any broker (run.sh: strand, or the reference Kafka with
 * INTEROP_BOOTSTRAP). Topic and group names carry this run's id. Each part
 * runs even when an earlier one failed; the script prints "FAIL part: why" per
 * failed part and exits 1.
 *  - describeConfigs: a topic's override (DYNAMIC_TOPIC_CONFIG) and defaults,
 *    with synonyms; the broker's node.id; an unknown topic
 *  - alterConfigs (legacy AlterConfigs): the set sent replaces the topic's;
 *    validateOnly changes nothing; a bad value INVALID_CONFIG
 *  - describeCluster: the one broker, controller, cluster id
 *  - fetchTopicMetadata: every partition led by the one broker
 *  - fetchTopicOffsets, fetchTopicOffsetsByTimestamp: low/high watermarks and
 *    the first offset at or after a time
 *  - deleteTopicRecords: the low watermark moves; a consumer from the
 *    beginning starts there
 *  - listGroups, describeGroups: a live member and its assignment
 *  - describeAcls: SECURITY_DISABLED, as from Kafka without an authorizer
 */

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const {
  Kafka, logLevel, ConfigResourceTypes, ConfigSource, AclResourceTypes, AclOperationTypes, AclPermissionTypes,
  ResourcePatternTypes, AssignerProtocol
} = require('kafkajs')

const bootstrap = process.argv[2]
const only = process.argv[3]
if (!bootstrap) {
  console.error('usage: kafkajs_admin.js BOOTSTRAP [PART]')
  process.exit(2)
}
const run = `${Date.now().toString(16)}-${process.pid}`
const name = (what) => `kja-${run}-${what}`

class Failed extends Error {}
function fail (msg) { throw new Failed(msg) }
function check (cond, msg) { if (!cond) fail(msg) }
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function step (what, ms, fn) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([fn(), timeout]).finally(() => clearTimeout(timer))
}

function errorType (e) {
  if (e.errors && e.errors.length) return e.errors.map(errorType).join(',')
  if (e.cause) return errorType(e.cause)
  return e.type || e.name
}

async function expectError (type, what, fn) {
  let got
  try {
    got = await step(what, 20000, fn)
  } catch (e) {
    check(errorType(e) === type, `${what}: ${errorType(e)} (${e.message}), expected ${type}`)
    console.log(`${what} -> ${type}: ${e.message}`)
    return e
  }
  fail(`${what} succeeded (${JSON.stringify(got)}), expected ${type}`)
}

async function eventually (get, want, what, ms = 15000) {
  const deadline = Date.now() + ms
  for (;;) {
    const got = await get()
    if (eq(got, want)) return got
    if (Date.now() > deadline) fail(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
    await sleep(100)
  }
}

const kafka = new Kafka({ clientId: 'kafkajs-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING })
const admin = kafka.admin()

async function topic (what, partitions = 1, configEntries = []) {
  const t = name(what)
  await admin.createTopics({ topics: [{ topic: t, numPartitions: partitions, replicationFactor: 1, configEntries }] })
  await eventually(async () => {
    try {
      const md = await admin.fetchTopicMetadata({ topics: [t] })
      return md.topics[0].partitions.length
    } catch (e) {
      return null
    }
  }, partitions, `${t} partitions`)
  return t
}

async function produce (t, partition, count, timestamps) {
  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < count; i++) {
    const m = { key: `k${i}`, value: `v${i}`, partition }
    if (timestamps) m.timestamp = String(timestamps[i])
    messages.push(m)
  }
  // One send per message, so every record is its own batch with its own timestamp.
  for (const m of messages) await producer.send({ topic: t, messages: [m] })
  await producer.disconnect()
}

async function configs (type, resourceName, extra = {}) {
  const got = await admin.describeConfigs({ resources: [{ type, name: resourceName }], includeSynonyms: true, ...extra })
  const r = got.resources[0]
  return { errorCode: r.errorCode, entries: Object.fromEntries(r.configEntries.map((e) => [e.configName, e])) }
}

async function topicConfig (t, key) {
  const { entries } = await configs(ConfigResourceTypes.TOPIC, t)
  const e = entries[key]
  return e ? [e.configValue, e.configSource] : null
}

const parts = {
  async describeConfigs () {
    const t = await topic('describe', 1, [{ name: 'retention.ms', value: '3600000' }])
    const { errorCode, entries } = await configs(ConfigResourceTypes.TOPIC, t)
    check(errorCode === 0, `errorCode ${errorCode}`)
    for (const key of ['cleanup.policy', 'compression.type', 'max.message.bytes', 'message.timestamp.type',
      'retention.bytes', 'retention.ms', 'segment.bytes', 'segment.ms']) {
      check(key in entries, `${key} not among ${Object.keys(entries)}`)
    }
    const retention = entries['retention.ms']
    check(eq([retention.configValue, retention.configSource, retention.readOnly, retention.isDefault,
      retention.isSensitive], ['3600000', ConfigSource.TOPIC_CONFIG, false, false, false]),
    `retention.ms ${JSON.stringify(retention)}`)
    check(eq(retention.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]),
      [['retention.ms', '3600000', ConfigSource.TOPIC_CONFIG]]), `retention.ms synonyms ${JSON.stringify(retention)}`)
    const policy = entries['cleanup.policy']
    check(eq([policy.configValue, policy.configSource, policy.isDefault], ['delete', ConfigSource.DEFAULT_CONFIG, true]),
      `cleanup.policy ${JSON.stringify(policy)}`)
    check(eq(policy.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]),
      [['log.cleanup.policy', 'delete', ConfigSource.DEFAULT_CONFIG]]), `cleanup.policy ${JSON.stringify(policy)}`)
    check(entries['max.message.bytes'].configValue === '1048588', 'max.message.bytes')
    // Only the configs asked for.
    const some = await configs(ConfigResourceTypes.TOPIC, t, { resources: [{ type: ConfigResourceTypes.TOPIC, name: t, configNames: ['retention.ms', 'segment.bytes'] }] })
    check(eq(Object.keys(some.entries).sort(), ['retention.ms', 'segment.bytes']), `configNames: ${Object.keys(some.entries)}`)
    console.log(`describeConfigs ${t}: ${Object.keys(entries).length} configs, retention.ms 3600000 from the topic`)

    const broker = await configs(ConfigResourceTypes.BROKER, '1')
    const node = broker.entries['node.id']
    // Kafka cannot start without node.id (STATIC_BROKER_CONFIG); strand defaults it to 1 (DEFAULT_CONFIG).
    check(node && eq([node.configValue, node.readOnly], ['1', true]) &&
      [ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG].includes(node.configSource),
    `node.id ${JSON.stringify(node)}`)
    console.log(`describeConfigs broker 1: ${Object.keys(broker.entries).length} configs, node.id 1 read-only`)

    await expectError('UNKNOWN_TOPIC_OR_PARTITION', 'describeConfigs of an unknown topic',
      () => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: name('missing') }] }))
  },

  async alterConfigs () {
    const t = await topic('alter', 1, [{ name: 'retention.ms', value: '3600000' }])
    await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: t, configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] })
    await eventually(() => topicConfig(t, 'segment.bytes'), ['1048576', ConfigSource.TOPIC_CONFIG], 'segment.bytes after alterConfigs')
    // AlterConfigs replaces the topic's whole set: retention.ms is back to its default.
    const retention = await topicConfig(t, 'retention.ms')
    check(eq(retention, ['604800000', ConfigSource.DEFAULT_CONFIG]), `retention.ms after alterConfigs without it: ${retention}`)
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: t, configEntries: [{ name: 'retention.ms', value: '1000' }] }] })
    await expectError('INVALID_CONFIG', 'alterConfigs segment.bytes=lots',
      () => admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: t, configEntries: [{ name: 'segment.bytes', value: 'lots' }] }] }))
    await sleep(500)
    check(eq(await topicConfig(t, 'retention.ms'), ['604800000', ConfigSource.DEFAULT_CONFIG]) &&
      eq(await topicConfig(t, 'segment.bytes'), ['1048576', ConfigSource.TOPIC_CONFIG]),
    'validateOnly or a refused alterConfigs changed the topic')
    console.log('alterConfigs replaced the set; validateOnly and a bad value changed nothing')
  },

  async describeCluster () {
    const cluster = await admin.describeCluster()
    const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(':')), Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1))]
    check(eq(cluster.brokers.map((b) => [b.nodeId, b.host, b.port]), [[1, host, port]]), `brokers ${JSON.stringify(cluster.brokers)}`)
    check(cluster.controller === 1, `controller ${cluster.controller}`)
    check(typeof cluster.clusterId === 'string' && cluster.clusterId.length === 22, `cluster id ${cluster.clusterId}`)
    console.log(`describeCluster: ${JSON.stringify(cluster)}`)
  },

  async fetchTopicMetadata () {
    const t = await topic('metadata', 12)
    const md = await admin.fetchTopicMetadata({ topics: [t] })
    check(md.topics.length === 1 && md.topics[0].name === t, `topics ${JSON.stringify(md.topics.map((x) => x.name))}`)
    const parts = md.topics[0].partitions.map((p) => [p.partitionId, p.partitionErrorCode, p.leader, p.replicas, p.isr])
      .sort((a, b) => a[0] - b[0])
    check(eq(parts, [...Array(12).keys()].map((i) => [i, 0, 1, [1], [1]])), `partitions ${JSON.stringify(parts)}`)
    await expectError('UNKNOWN_TOPIC_OR_PARTITION', 'fetchTopicMetadata of an unknown topic',
      () => admin.fetchTopicMetadata({ topics: [name('missing')] }))
    console.log(`fetchTopicMetadata ${t}: 12 partitions, each led by 1`)
  },

  async offsets () {
    const t = await topic('offsets', 2)
    const base = Date.now() - 60000
    const stamps = [base, base + 1000, base + 5000, base + 3000, base + 4000]
    await produce(t, 0, 5, stamps)
    const offsets = (await admin.fetchTopicOffsets(t)).sort((a, b) => a.partition - b.partition)
      .map((p) => [p.partition, p.low, p.high, p.offset])
    check(eq(offsets, [[0, '0', '5', '5'], [1, '0', '0', '0']]), `fetchTopicOffsets ${JSON.stringify(offsets)}`)
    const at = async (ts) => (await admin.fetchTopicOffsetsByTimestamp(t, ts)).sort((a, b) => a.partition - b.partition)
      .map((p) => [p.partition, p.offset])
    const byTime = { before: await at(base - 1), mid: await at(base + 2000), exact: await at(base + 1000), after: await at(base + 6000) }
    // A time after every record: kafkajs gives the high watermark (Kafka answers -1).
    const want = { before: [[0, '0'], [1, '0']], mid: [[0, '2'], [1, '0']], exact: [[0, '1'], [1, '0']], after: [[0, '5'], [1, '0']] }
    check(eq(byTime, want), `fetchTopicOffsetsByTimestamp ${JSON.stringify(byTime)}, expected ${JSON.stringify(want)}`)
    console.log(`fetchTopicOffsets ${JSON.stringify(offsets)}; by timestamp ${JSON.stringify(byTime)}`)
  },

  async deleteTopicRecords () {
    const t = await topic('delete-records', 2)
    await produce(t, 0, 10)
    await produce(t, 1, 3)
    await admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '-1' }] })
    const offsets = (await admin.fetchTopicOffsets(t)).sort((a, b) => a.partition - b.partition)
      .map((p) => [p.partition, p.low, p.high])
    check(eq(offsets, [[0, '4', '10'], [1, '3', '3']]), `watermarks after deleteTopicRecords ${JSON.stringify(offsets)}`)

    const consumer = kafka.consumer({ groupId: name('dr'), sessionTimeout: 6000, heartbeatInterval: 500 })
    const seen = []
    await consumer.connect()
    await consumer.subscribe({ topics: [t], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ partition, message }) => { seen.push([partition, message.offset, message.key.toString()]) } })
    const deadline = Date.now() + 30000
    while (seen.length < 6 && Date.now() < deadline) await sleep(100)
    await consumer.disconnect()
    seen.sort((a, b) => a[0] - b[0] || Number(a[1]) - Number(b[1]))
    const want = [4, 5, 6, 7, 8, 9].map((o) => [0, String(o), `k${o}`])
    check(eq(seen, want), `consumed from the beginning ${JSON.stringify(seen)}`)
    console.log('deleteTopicRecords: partition 0 from 4, partition 1 emptied (3..3); a group from the beginning reads 4..9')
  },

  async groups () {
    const t = await topic('groups', 2)
    const groupId = name('live')
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500 })
    let joined = false
    consumer.on(consumer.events.GROUP_JOIN, () => { joined = true })
    await consumer.connect()
    await consumer.subscribe({ topics: [t], fromBeginning: true })
    await consumer.run({ eachMessage: async () => {} })
    try {
      const deadline = Date.now() + 30000
      while (!joined && Date.now() < deadline) await sleep(100)
      check(joined, `${groupId}: no GROUP_JOIN within 30 s`)
      const listed = (await admin.listGroups()).groups.filter((g) => g.groupId === groupId)
      check(eq(listed, [{ groupId, protocolType: 'consumer' }]), `listGroups ${JSON.stringify(listed)}`)
      const { groups } = await admin.describeGroups([groupId])
      const g = groups[0]
      check(g.errorCode === 0 && g.state === 'Stable' && g.protocolType === 'consumer' && g.protocol === 'RoundRobinAssigner',
        `describeGroups ${JSON.stringify({ ...g, members: g.members.length })}`)
      check(g.members.length === 1 && g.members[0].clientId === 'kafkajs-admin', `members ${JSON.stringify(g.members.map((m) => m.clientId))}`)
      const assignment = AssignerProtocol.MemberAssignment.decode(g.members[0].memberAssignment)
      check(eq(assignment.assignment, { [t]: [0, 1] }), `assignment ${JSON.stringify(assignment)}`)
      const unknown = (await admin.describeGroups([name('never')])).groups[0]
      check(unknown.state === 'Dead' && unknown.members.length === 0, `an unknown group: ${JSON.stringify(unknown)}`)
      console.log(`listGroups/describeGroups: ${groupId} Stable, RoundRobinAssigner, 1 member on ${t} [0,1]`)
    } finally {
      await consumer.disconnect()
    }
  },

  async describeAcls () {
    await expectError('SECURITY_DISABLED', 'describeAcls', () => admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY
    }))
  }
}

async function main () {
  await admin.connect()
  const failed = []
  for (const [partName, fn] of Object.entries(parts)) {
    if (only && !partName.includes(only)) continue
    console.log(`--- ${partName}`)
    try {
      await step(partName, 90000, fn)
    } catch (e) {
      failed.push(partName)
      console.log(`FAIL ${partName}: ${e instanceof Failed ? e.message : e.stack}`)
    }
  }
  await admin.disconnect()
  if (failed.length) {
    console.log(`kafkajs_admin: ${failed.length} of ${Object.keys(parts).length} parts failed: ${failed.join(' ')}`)
    process.exit(1)
  }
  console.log('kafkajs_admin: all parts passed')
}

main().catch((e) => {
  console.error(`kafkajs_admin: ${e.stack}`)
  process.exit(1)
})

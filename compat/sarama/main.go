// Sarama's ClusterAdmin against one broker, printing what each call returns in
// a form that is the same on any two brokers that behave alike, so that a run
// against the reference Kafka and one against strand can be diffed
// (compat/sarama.sh does).
//
//	go run . -bootstrap 127.0.0.1:9092 -version 2.8.0
//
// Every call prints a "== NAME" line, then its result: errors as Sarama
// reports them (Kafka error codes by name), host:port as <addr>, the broker's
// data dir as <datadir>, sizes and byte counts as >0 or 0. Topic and group
// names carry the version, so several runs can share one broker. Lines that a
// client cannot tell apart on two correct brokers are normalised here, each
// with its reason.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

var (
	addrRe  = regexp.MustCompile(`(127\.0\.0\.1|localhost|\[::1\]):[0-9]+`)
	dataDir string
)

// norm hides what legitimately differs between two brokers in a printed value.
func norm(s string) string {
	s = addrRe.ReplaceAllString(s, "<addr>")
	// Sarama's text for error code 0.
	s = strings.ReplaceAll(s, "kafka server: Not an error, why are you printing me?", "none")
	if dataDir != "" {
		s = strings.ReplaceAll(s, dataDir, "<datadir>")
	}
	return s
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return "error: " + norm(err.Error())
}

func call(name string) { fmt.Printf("== %s\n", name) }

func line(format string, args ...any) { fmt.Println(norm(fmt.Sprintf(format, args...))) }

func positive(n int64) string {
	switch {
	case n > 0:
		return ">0"
	case n == 0:
		return "0"
	}
	return fmt.Sprint(n)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedPartitions[V any](m map[int32]V) []int32 {
	keys := make([]int32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Kafka 4.4's storage format (--standalone, KIP-966) stores min.insync.replicas=1
// as a cluster-wide dynamic default, so Kafka reports it as a non-default config
// of every topic; strand has no cluster-level dynamic configs.
func kafkaFormatDefault(e sarama.ConfigEntry) bool {
	return e.Name == "min.insync.replicas" && e.Value == "1" && e.Source == sarama.SourceDynamicDefaultBroker
}

func printEntries(entries []sarama.ConfigEntry, keep func(sarama.ConfigEntry) bool) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	for _, e := range entries {
		if !keep(e) {
			continue
		}
		syn := make([]string, 0, len(e.Synonyms))
		for _, s := range e.Synonyms {
			syn = append(syn, fmt.Sprintf("%s:%s=%s", s.Source, s.ConfigName, s.ConfigValue))
		}
		line("  %s=%s source=%s read_only=%v default=%v sensitive=%v synonyms=[%s]",
			e.Name, e.Value, e.Source, e.ReadOnly, e.Default, e.Sensitive, strings.Join(syn, ", "))
	}
}

func describeTopics(admin sarama.ClusterAdmin, topics ...string) {
	md, err := admin.DescribeTopics(topics)
	line("%s", errText(err))
	sort.Slice(md, func(i, j int) bool { return md[i].Name < md[j].Name })
	for _, t := range md {
		line("  topic %s err=%v internal=%v id_set=%v partitions=%d", t.Name, t.Err, t.IsInternal,
			t.Uuid != sarama.Uuid{}, len(t.Partitions))
		sort.Slice(t.Partitions, func(i, j int) bool { return t.Partitions[i].ID < t.Partitions[j].ID })
		for _, p := range t.Partitions {
			line("    partition %d err=%v leader=%d epoch=%d replicas=%v isr=%v offline=%v", p.ID, p.Err, p.Leader,
				p.LeaderEpoch, p.Replicas, p.Isr, p.OfflineReplicas)
		}
	}
}

func describeTopicConfig(admin sarama.ClusterAdmin, topic string) {
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic})
	line("%s", errText(err))
	printEntries(entries, func(e sarama.ConfigEntry) bool { return !e.Default && !kafkaFormatDefault(e) })
}

func listOffsets(admin sarama.ClusterAdmin, topic string, partition int32, at int64) {
	res, err := admin.ListOffsets(map[string]map[int32]int64{topic: {partition: at}}, nil)
	line("%s", errText(err))
	if r := res[topic][partition]; r != nil {
		line("  %s-%d offset=%d err=%v", topic, partition, r.Offset, r.Err)
	}
}

func main() {
	bootstrap := flag.String("bootstrap", "", "host:port of the broker")
	version := flag.String("version", sarama.DefaultVersion.String(), "Kafka version Sarama is configured for")
	flag.StringVar(&dataDir, "datadir", "", "the broker's log.dirs, printed as <datadir> (default: what it reports)")
	flag.Parse()
	if *bootstrap == "" {
		fmt.Fprintln(os.Stderr, "-bootstrap is required")
		os.Exit(2)
	}
	v, err := sarama.ParseKafkaVersion(*version)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	suffix := strings.ReplaceAll(*version, ".", "-")
	topic := "sarama-" + suffix
	group := "sarama-group-" + suffix
	user := "sarama-user-" + suffix

	conf := sarama.NewConfig()
	conf.Version = v
	conf.ClientID = "strand-compat-sarama"
	conf.Net.DialTimeout = 10 * time.Second
	conf.Net.ReadTimeout = 15 * time.Second
	conf.Net.WriteTimeout = 10 * time.Second
	conf.Admin.Timeout = 10 * time.Second
	conf.Admin.Retry.Max = 2
	conf.Metadata.Retry.Max = 2
	conf.Producer.Return.Successes = true
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Partitioner = sarama.NewManualPartitioner

	call("NewClusterAdmin")
	admin, err := sarama.NewClusterAdmin([]string{*bootstrap}, conf)
	line("%s", errText(err))
	if err != nil {
		os.Exit(1)
	}
	defer admin.Close()

	if dataDir == "" {
		// Not a call of its own: the broker's answer is checked below.
		if entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.BrokerResource, Name: "1",
			ConfigNames: []string{"log.dirs"}}); err == nil && len(entries) == 1 {
			dataDir = entries[0].Value
		}
	}

	call("CreateTopic (1 partition, retention.ms=3600000)")
	retention := "3600000"
	line("%s", errText(admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"retention.ms": &retention}}, false)))

	// Metadata, then DescribeConfigs for every topic in one request, sent
	// whatever the broker's ApiVersions said.
	call("ListTopics")
	topics, err := admin.ListTopics()
	line("%s", errText(err))
	for _, name := range sortedKeys(topics) {
		if name != topic && name != "events" {
			continue // other runs' topics
		}
		d := topics[name]
		cfg := []string{}
		for _, k := range sortedKeys(d.ConfigEntries) {
			if k == "min.insync.replicas" && *d.ConfigEntries[k] == "1" {
				continue // see kafkaFormatDefault
			}
			cfg = append(cfg, k+"="+*d.ConfigEntries[k])
		}
		line("  %s partitions=%d rf=%d assignment=%v configs=%s", name, d.NumPartitions, d.ReplicationFactor,
			d.ReplicaAssignment, strings.Join(cfg, ","))
	}

	call("DescribeTopics (the topic, an unknown one)")
	describeTopics(admin, topic, "no-such-topic")

	call("DescribeConfig (topic: the non-default entries)")
	describeTopicConfig(admin, topic)

	call("DescribeConfig (topic: a few named entries)")
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic,
		ConfigNames: []string{"cleanup.policy", "retention.ms", "max.message.bytes", "segment.bytes",
			"message.timestamp.type", "retention.bytes"}})
	line("%s", errText(err))
	printEntries(entries, func(sarama.ConfigEntry) bool { return true })

	call("DescribeConfig (unknown topic)")
	_, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: "no-such-topic"})
	line("%s", errText(err))

	call("DescribeConfig (broker 1: named entries)")
	entries, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.BrokerResource, Name: "1",
		ConfigNames: []string{"log.dirs", "node.id", "message.max.bytes", "log.segment.bytes", "num.partitions",
			"log.retention.bytes", "ssl.keystore.password"}})
	line("%s", errText(err))
	// Values and sources of the broker's own settings depend on how each was
	// started (Kafka from server.properties, strand from flags); what must agree
	// is that each is there, read-only or not, and that a password is hidden.
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	for _, e := range entries {
		line("  %s read_only=%v sensitive=%v value_hidden=%v", e.Name, e.ReadOnly, e.Sensitive, e.Value == "")
	}

	call("DescribeConfig (broker 1: every entry is sensitive only with its value hidden)")
	entries, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.BrokerResource, Name: "1"})
	line("%s", errText(err))
	shown := []string{}
	for _, e := range entries {
		if e.Sensitive && e.Value != "" {
			shown = append(shown, e.Name)
		}
	}
	line("  entries>0=%v sensitive values shown: %v", len(entries) > 0, shown)

	call("DescribeConfig (broker logger 1)")
	entries, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.BrokerLoggerResource, Name: "1"})
	line("%s", errText(err))
	line("  entries>0=%v", len(entries) > 0)

	call("AlterConfig (topic: retention.ms=7200000, replacing all)")
	newRetention := "7200000"
	line("%s", errText(admin.AlterConfig(sarama.TopicResource, topic, map[string]*string{"retention.ms": &newRetention}, false)))
	call("DescribeConfig (topic, after AlterConfig)")
	describeTopicConfig(admin, topic)

	call("AlterConfig validate_only (topic: max.message.bytes=abc)")
	bad := "abc"
	line("%s", errText(admin.AlterConfig(sarama.TopicResource, topic, map[string]*string{"max.message.bytes": &bad}, true)))

	call("IncrementalAlterConfig (topic: SET max.message.bytes=2000000, DELETE retention.ms)")
	maxBytes := "2000000"
	line("%s", errText(admin.IncrementalAlterConfig(sarama.TopicResource, topic, map[string]sarama.IncrementalAlterConfigsEntry{
		"max.message.bytes": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &maxBytes},
		"retention.ms":      {Operation: sarama.IncrementalAlterConfigsOperationDelete},
	}, false)))
	call("DescribeConfig (topic, after IncrementalAlterConfig)")
	describeTopicConfig(admin, topic)

	// (delete: strand refuses compact, on purpose; see DIFFERENCES.md.)
	call("IncrementalAlterConfig validate_only (topic: APPEND cleanup.policy delete)")
	del := "delete"
	line("%s", errText(admin.IncrementalAlterConfig(sarama.TopicResource, topic, map[string]sarama.IncrementalAlterConfigsEntry{
		"cleanup.policy": {Operation: sarama.IncrementalAlterConfigsOperationAppend, Value: &del},
	}, true)))
	call("IncrementalAlterConfig validate_only (topic: SUBTRACT from retention.ms, a number)")
	line("%s", errText(admin.IncrementalAlterConfig(sarama.TopicResource, topic, map[string]sarama.IncrementalAlterConfigsEntry{
		"retention.ms": {Operation: sarama.IncrementalAlterConfigsOperationSubtract, Value: &newRetention},
	}, true)))

	call("IncrementalAlterConfig (topic: unknown config)")
	one := "1"
	line("%s", errText(admin.IncrementalAlterConfig(sarama.TopicResource, topic, map[string]sarama.IncrementalAlterConfigsEntry{
		"no.such.config": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &one},
	}, false)))

	call("IncrementalAlterConfig (unknown topic)")
	line("%s", errText(admin.IncrementalAlterConfig(sarama.TopicResource, "no-such-topic", map[string]sarama.IncrementalAlterConfigsEntry{
		"retention.ms": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &newRetention},
	}, false)))

	call("AlterConfig (broker 1: read-only auto.create.topics.enable)")
	yes := "true"
	line("%s", errText(admin.AlterConfig(sarama.BrokerResource, "1", map[string]*string{"auto.create.topics.enable": &yes}, false)))

	call("IncrementalAlterConfig (broker 1: read-only num.partitions)")
	two := "2"
	line("%s", errText(admin.IncrementalAlterConfig(sarama.BrokerResource, "1", map[string]sarama.IncrementalAlterConfigsEntry{
		"num.partitions": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &two},
	}, false)))

	call("CreatePartitions (to 3)")
	line("%s", errText(admin.CreatePartitions(topic, 3, nil, false)))
	call("CreatePartitions (to 2: fewer)")
	line("%s", errText(admin.CreatePartitions(topic, 2, nil, false)))
	call("DescribeTopics (after CreatePartitions)")
	describeTopics(admin, topic)

	call("produce 5 records to partition 0 (SyncProducer)")
	producer, err := sarama.NewSyncProducer([]string{*bootstrap}, conf)
	if err == nil {
		for i := 0; i < 5; i++ {
			_, _, perr := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: 0,
				Value: sarama.StringEncoder(fmt.Sprintf("v%d", i))})
			if perr != nil {
				err = perr
				break
			}
		}
		_ = producer.Close()
	}
	line("%s", errText(err))

	call("DeleteRecords (partition 0 before offset 2)")
	line("%s", errText(admin.DeleteRecords(topic, map[int32]int64{0: 2})))
	call("ListOffsets (partition 0 earliest, after DeleteRecords)")
	listOffsets(admin, topic, 0, sarama.OffsetOldest)
	call("ListOffsets (partition 0 latest)")
	listOffsets(admin, topic, 0, sarama.OffsetNewest)
	call("DeleteRecords (partition 0 beyond the high watermark)")
	line("%s", errText(admin.DeleteRecords(topic, map[int32]int64{0: 100})))
	call("DeleteRecords (partition 1, -1: up to the high watermark of an empty partition)")
	line("%s", errText(admin.DeleteRecords(topic, map[int32]int64{1: -1})))

	call("DescribeLogDirs (broker 1)")
	dirs, err := admin.DescribeLogDirs([]int32{1})
	line("%s", errText(err))
	for _, id := range sortedPartitions(dirs) {
		for _, d := range dirs[id] {
			line("  broker %d dir %s err=%v total=%s usable=%s usable<=total=%v", id, d.Path, d.ErrorCode,
				positive(d.TotalBytes), positive(d.UsableBytes), d.UsableBytes <= d.TotalBytes)
			sort.Slice(d.Topics, func(i, j int) bool { return d.Topics[i].Topic < d.Topics[j].Topic })
			for _, t := range d.Topics {
				if t.Topic != topic {
					continue // internal topics, other runs' topics, `events` (others may write to it)
				}
				sort.Slice(t.Partitions, func(i, j int) bool { return t.Partitions[i].PartitionID < t.Partitions[j].PartitionID })
				for _, p := range t.Partitions {
					line("    %s-%d size=%s lag=%d future=%v", t.Topic, p.PartitionID, positive(p.Size), p.OffsetLag, p.IsTemporary)
				}
			}
		}
	}

	call("DescribeCluster")
	brokers, controller, err := admin.DescribeCluster()
	line("%s", errText(err))
	for _, b := range brokers {
		line("  broker %d %s", b.ID(), b.Addr())
	}
	line("  controller %d", controller)

	// A group of committed offsets only (no members), as a tool's reset leaves it.
	call("AlterConsumerGroupOffsets (commit partition 0 at 3)")
	commit, err := admin.AlterConsumerGroupOffsets(group, map[string]map[int32]sarama.OffsetAndMetadata{
		topic: {0: {Offset: 3, Metadata: "m", LeaderEpoch: -1}}}, nil)
	line("%s", errText(err))
	if commit != nil {
		for t, ps := range commit.Errors {
			for p, e := range ps {
				line("  %s-%d %v", t, p, e)
			}
		}
	}

	call("ListConsumerGroups")
	groups, err := admin.ListConsumerGroups()
	line("%s", errText(err))
	for _, g := range sortedKeys(groups) {
		if g == group {
			line("  %s protocol_type=%q", g, groups[g])
		}
	}

	call("DescribeConsumerGroups (the group, an unknown one)")
	descs, err := admin.DescribeConsumerGroups([]string{group, "no-such-group"})
	line("%s", errText(err))
	sort.Slice(descs, func(i, j int) bool { return descs[i].GroupId < descs[j].GroupId })
	for _, d := range descs {
		line("  %s err=%v state=%s protocol_type=%q protocol=%q members=%d", d.GroupId, d.Err, d.State,
			d.ProtocolType, d.Protocol, len(d.Members))
	}

	call("ListConsumerGroupOffsets")
	offsets, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1}})
	line("%s", errText(err))
	if offsets != nil {
		line("  err=%v", offsets.Err)
		for _, t := range sortedKeys(offsets.Blocks) {
			for _, p := range sortedPartitions(offsets.Blocks[t]) {
				b := offsets.Blocks[t][p]
				line("  %s-%d offset=%d metadata=%q err=%v", t, p, b.Offset, b.Metadata, b.Err)
			}
		}
	}

	call("DeleteConsumerGroupOffset (partition 0)")
	line("%s", errText(admin.DeleteConsumerGroupOffset(group, topic, 0)))

	call("DeleteConsumerGroup")
	line("%s", errText(admin.DeleteConsumerGroup(group)))
	call("DeleteConsumerGroup (again: gone)")
	line("%s", errText(admin.DeleteConsumerGroup(group)))

	scram := func(name string, users ...string) {
		call(name)
		res, err := admin.DescribeUserScramCredentials(users)
		line("%s", errText(err))
		sort.Slice(res, func(i, j int) bool { return res[i].User < res[j].User })
		for _, r := range res {
			if len(users) == 0 && r.User != user {
				continue // other runs' users
			}
			creds := []string{}
			for _, c := range r.CredentialInfos {
				creds = append(creds, fmt.Sprintf("%v/%d", c.Mechanism, c.Iterations))
			}
			sort.Strings(creds)
			msg := ""
			if r.ErrorMessage != nil {
				msg = *r.ErrorMessage
			}
			line("  %s err=%v message=%q credentials=%v", r.User, r.ErrorCode, msg, creds)
		}
	}
	alterResults := func(res []*sarama.AlterUserScramCredentialsResult, err error) {
		line("%s", errText(err))
		for _, r := range res {
			msg := ""
			if r.ErrorMessage != nil {
				msg = *r.ErrorMessage
			}
			line("  %s err=%v message=%q", r.User, r.ErrorCode, msg)
		}
	}
	scram("DescribeUserScramCredentials (all, before)")
	salt := []byte("strand-compat-salt")
	// Sarama sends a nil salt as a null, which the schema does not allow: Kafka
	// cannot parse the request and closes the connection.
	call("UpsertUserScramCredentials (no salt: a malformed request)")
	alterResults(admin.UpsertUserScramCredentials([]sarama.AlterUserScramCredentialsUpsert{
		{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_256, Iterations: 8192, Password: []byte("secret")}}))
	call("UpsertUserScramCredentials (SCRAM-SHA-256, 8192 iterations)")
	alterResults(admin.UpsertUserScramCredentials([]sarama.AlterUserScramCredentialsUpsert{
		{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_256, Iterations: 8192, Salt: salt, Password: []byte("secret")}}))
	call("UpsertUserScramCredentials (SCRAM-SHA-512, 4096 iterations)")
	alterResults(admin.UpsertUserScramCredentials([]sarama.AlterUserScramCredentialsUpsert{
		{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_512, Iterations: 4096, Salt: salt, Password: []byte("secret")}}))
	scram("DescribeUserScramCredentials (the user)", user)
	scram("DescribeUserScramCredentials (an unknown user)", "no-such-user")
	call("UpsertUserScramCredentials (too few iterations)")
	alterResults(admin.UpsertUserScramCredentials([]sarama.AlterUserScramCredentialsUpsert{
		{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_256, Iterations: 100, Salt: salt, Password: []byte("secret")}}))
	call("DeleteUserScramCredentials (SCRAM-SHA-512)")
	alterResults(admin.DeleteUserScramCredentials([]sarama.AlterUserScramCredentialsDelete{
		{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_512}}))
	call("DeleteUserScramCredentials (SCRAM-SHA-512 again: not there)")
	alterResults(admin.DeleteUserScramCredentials([]sarama.AlterUserScramCredentialsDelete{
		{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_512}}))
	scram("DescribeUserScramCredentials (all, after)")
	call("DeleteUserScramCredentials (SCRAM-SHA-256: the last one)")
	alterResults(admin.DeleteUserScramCredentials([]sarama.AlterUserScramCredentialsDelete{
		{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_256}}))
	scram("DescribeUserScramCredentials (the user, without credentials)", user)

	call("ListAcls (any)")
	acls, err := admin.ListAcls(sarama.AclFilter{ResourceType: sarama.AclResourceAny,
		ResourcePatternTypeFilter: sarama.AclPatternAny, Operation: sarama.AclOperationAny,
		PermissionType: sarama.AclPermissionAny})
	line("%s acls=%d", errText(err), len(acls))

	call("ElectLeaders (preferred, partitions 0 and 1 and an unknown topic)")
	elected, err := admin.ElectLeaders(sarama.PreferredElection, map[string][]int32{topic: {0, 1}, "no-such-topic": {0}})
	line("%s", errText(err))
	for _, t := range sortedKeys(elected) {
		for _, p := range sortedPartitions(elected[t]) {
			r := elected[t][p]
			line("  %s-%d %v", t, p, r.ErrorCode)
		}
	}

	call("ListPartitionReassignments (partitions 0 and 1)")
	reassign, err := admin.ListPartitionReassignments(topic, []int32{0, 1})
	line("%s reassignments=%d", errText(err), len(reassign[topic]))

	call("AlterPartitionReassignments (partition 0 to broker 7, which does not exist)")
	line("%s", errText(admin.AlterPartitionReassignments(topic, [][]int32{{7}})))

	call("DescribeClientQuotas (all)")
	quotas, err := admin.DescribeClientQuotas(nil, false)
	line("%s quotas=%d", errText(err), len(quotas))

	call("DeleteTopic")
	line("%s", errText(admin.DeleteTopic(topic)))
}

// ui-console makes the Kafka calls Redpanda Console's backend (backend/pkg/console,
// franz-go kgo/kadm) makes on its overview, topic and consumer group pages and their
// actions, in its order and with its request options, and prints one JSON line per
// call: what Console renders from the answer, normalised (sizes as "positive", the
// run's topic and group names as TOPIC and GROUP, addresses and ids as "set"), so
// that the output against the reference Kafka and against strand can be diffed.
// compat/UIS.md names the Console source each call comes from.
//
//	ui-console -brokers 127.0.0.1:9092 > calls.jsonl
//
// Each line: {"call": ..., "page": ..., "api": ..., "result": ..., "info": ...};
// "result" is compared, "info" (counts that legitimately differ, e.g. how many broker
// configs there are) is not. The program makes its own topic and group with a fresh
// name, so it can run against a broker that others use too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

const (
	partitions   = 3
	perPartition = 10
	committed    = 4
)

type runner struct {
	cl    *kgo.Client
	adm   *kadm.Client
	topic string
	group string
	seeds []string
	out   *json.Encoder
	calls int
}

type record struct {
	Call   string `json:"call"`
	Page   string `json:"page"`
	API    string `json:"api"`
	Result any    `json:"result"`
	Info   any    `json:"info,omitempty"`
}

type m = map[string]any

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "seed brokers, comma separated")
	flag.Parse()
	seeds := strings.Split(*brokers, ",")
	// Console's kmsg (v1.13) knows OffsetCommit up to v9, which names topics; v10 wants
	// topic ids, which its edit-offsets request does not fill in.
	versions := kversion.Stable()
	versions.SetMaxKeyVersion(kmsg.OffsetCommit.Int16(), 9)
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ClientID("ui-console"), kgo.MaxVersions(versions),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequestTimeoutOverhead(5*time.Second), kgo.RetryTimeout(10*time.Second))
	if err != nil {
		fatal("client: %v", err)
	}
	defer cl.Close()
	suffix := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	r := &runner{cl: cl, adm: kadm.NewClient(cl), topic: "ui-console-topic-" + suffix,
		group: "ui-console-group-" + suffix, seeds: seeds, out: json.NewEncoder(os.Stdout)}
	member := r.seed()
	r.overview()
	r.topicList()
	r.topicPages()
	r.groupPages()
	member.Close() // the group empties, as Console requires before editing offsets
	r.groupActions()
	r.topicActions()
	r.optionalPages()
	fmt.Fprintf(os.Stderr, "ui-console: %d calls\n", r.calls)
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ui-console: "+format+"\n", args...)
	os.Exit(1)
}

func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 20*time.Second)
}

// emit prints one call's line with the run's names replaced.
func (r *runner) emit(call, page, api string, result, info any) {
	r.calls++
	raw, err := json.Marshal(record{Call: call, Page: page, API: api, Result: result, Info: info})
	if err != nil {
		fatal("encode %s: %v", call, err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(raw), r.topic, "TOPIC"), r.group, "GROUP")
	fmt.Println(text)
}

func errText(err error) any {
	if err == nil {
		return nil
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	return err.Error()
}

func code(c int16) any {
	if err := kerr.ErrorForCode(c); err != nil {
		return errText(err)
	}
	return nil
}

func positive(n int64) string {
	switch {
	case n > 0:
		return "positive"
	case n == 0:
		return "0"
	default:
		return strconv.FormatInt(n, 10)
	}
}

// ---------------------------------------------------------------------------
// Setup: a topic with records from the (idempotent) default producer and a group
// with one member and committed offsets, as a running application leaves them.

func (r *runner) seed() *kgo.Client {
	c, cancel := ctx()
	defer cancel()
	resp, err := r.adm.CreateTopic(c, partitions, 1, nil, r.topic)
	if err != nil || resp.Err != nil {
		fatal("create topic: %v %v", err, resp.Err)
	}
	for p := int32(0); p < partitions; p++ {
		for i := 0; i < perPartition; i++ {
			rec := &kgo.Record{Topic: r.topic, Partition: p, Key: []byte("k" + strconv.Itoa(i)),
				Value: []byte("v" + strconv.Itoa(i)), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}}}
			r.cl.Produce(c, rec, nil)
		}
	}
	if err := r.cl.Flush(c); err != nil {
		fatal("produce: %v", err)
	}
	var assigned atomic.Int32
	member, err := kgo.NewClient(kgo.SeedBrokers(r.seeds...), kgo.ClientID("ui-console-member"),
		kgo.ConsumerGroup(r.group), kgo.ConsumeTopics(r.topic), kgo.DisableAutoCommit(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) {
			assigned.Add(int32(len(a[r.topic])))
		}))
	if err != nil {
		fatal("member: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for assigned.Load() < partitions {
		pc, pcancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		member.PollFetches(pc)
		pcancel()
		if time.Now().After(deadline) {
			fatal("the group member got no full assignment in 30 s")
		}
	}
	offsets := map[string]map[int32]kgo.EpochOffset{r.topic: {}}
	for p := int32(0); p < partitions; p++ {
		offsets[r.topic][p] = kgo.EpochOffset{Epoch: -1, Offset: committed}
	}
	var commitErr error
	member.CommitOffsetsSync(c, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest,
		resp *kmsg.OffsetCommitResponse, err error) {
		commitErr = err
		if err == nil {
			for _, t := range resp.Topics {
				for _, p := range t.Partitions {
					if e := kerr.ErrorForCode(p.ErrorCode); e != nil {
						commitErr = e
					}
				}
			}
		}
	})
	if commitErr != nil {
		fatal("commit: %v", commitErr)
	}
	return member
}

// ---------------------------------------------------------------------------
// Overview (GetClusterInfo, GetEndpointCompatibility): runs when Console connects
// and on its overview and brokers pages.

func (r *runner) overview() {
	c, cancel := ctx()
	defer cancel()

	// GetKafkaVersion and GetEndpointCompatibility: ApiVersions decides which pages
	// Console offers (the rest render as disabled) and the version it shows.
	versions, err := r.adm.ApiVersions(c)
	if err != nil {
		r.emit("api-versions", "overview", "ApiVersions", m{"error": errText(err)}, nil)
	} else {
		res := m{}
		for _, v := range versions.Sorted() {
			if v.Err != nil {
				res["error"] = errText(v.Err)
				continue
			}
			vs := kversion.FromApiVersionsResponse(v.Raw())
			res["version_guess"] = v.VersionGuess()
			endpoints := m{}
			need := []struct {
				name string
				reqs []kmsg.Request
			}{
				{"cluster config", []kmsg.Request{&kmsg.DescribeConfigsRequest{}}},
				{"consumer groups", []kmsg.Request{&kmsg.DescribeGroupsRequest{}, &kmsg.ListGroupsRequest{}}},
				{"delete records", []kmsg.Request{&kmsg.DeleteRecordsRequest{}}},
				{"edit group offsets", []kmsg.Request{&kmsg.OffsetCommitRequest{}}},
				{"delete group", []kmsg.Request{&kmsg.DeleteGroupsRequest{}}},
				{"delete group offsets", []kmsg.Request{&kmsg.OffsetDeleteRequest{}}},
				{"list reassignments", []kmsg.Request{&kmsg.ListPartitionReassignmentsRequest{}}},
				{"reassign partitions", []kmsg.Request{&kmsg.IncrementalAlterConfigsRequest{},
					&kmsg.AlterPartitionAssignmentsRequest{}}},
				{"quotas", []kmsg.Request{&kmsg.DescribeClientQuotasRequest{}}},
				{"list users", []kmsg.Request{&kmsg.DescribeUserSCRAMCredentialsRequest{}}},
				{"edit users", []kmsg.Request{&kmsg.AlterUserSCRAMCredentialsRequest{}}},
			}
			for _, e := range need {
				ok := true
				for _, req := range e.reqs {
					if _, has := vs.LookupMaxKeyVersion(req.Key()); !has {
						ok = false
					}
				}
				endpoints[e.name] = ok
			}
			res["endpoints"] = endpoints
		}
		r.emit("api-versions", "overview", "ApiVersions", res, nil)
	}

	// Metadata (raw, all topics): brokers, controller.
	meta, err := kmsg.NewPtrMetadataRequest().RequestWith(c, r.cl)
	if err != nil {
		r.emit("metadata", "overview", "Metadata", m{"error": errText(err)}, nil)
	} else {
		ids := map[int32]bool{}
		brokers := []any{}
		for _, b := range meta.Brokers {
			ids[b.NodeID] = true
			brokers = append(brokers, m{"id": b.NodeID, "host": b.Host, "port_set": b.Port > 0, "rack": b.Rack})
		}
		r.emit("metadata", "overview", "Metadata", m{"brokers": brokers,
			"controller_is_a_broker": ids[meta.ControllerID],
			"cluster_id_set":         meta.ClusterID != nil && *meta.ClusterID != ""}, nil)
	}

	// logDirsByBroker: DescribeLogDirs for everything, to every broker; the broker's size.
	r.logDirs(c, "log-dirs-by-broker", "overview", nil)

	// GetAllBrokerConfigs: one DescribeConfigs per broker, synonyms and documentation.
	for _, b := range meta.Brokers {
		r.brokerConfigs(c, b.NodeID)
	}
}

func (r *runner) logDirs(c context.Context, call, page string, topics []kmsg.DescribeLogDirsRequestTopic) {
	req := kmsg.NewPtrDescribeLogDirsRequest()
	req.Topics = topics
	shards := r.cl.RequestSharded(c, req)
	brokers := []any{}
	for _, s := range shards {
		if s.Err != nil {
			brokers = append(brokers, m{"error": errText(s.Err)})
			continue
		}
		resp := s.Resp.(*kmsg.DescribeLogDirsResponse)
		dirs := []any{}
		for _, d := range resp.Dirs {
			parts := m{}
			var total int64
			for _, t := range d.Topics {
				for _, p := range t.Partitions {
					total += p.Size
					if t.Topic == r.topic {
						parts[fmt.Sprintf("%s-%d", t.Topic, p.Partition)] = m{"size": positive(p.Size),
							"offset_lag": p.OffsetLag, "future": p.IsFuture}
					}
				}
			}
			dirs = append(dirs, m{"error": code(d.ErrorCode), "dir_set": d.Dir != "", "total_size": positive(total),
				"total_bytes": positive(d.TotalBytes), "usable_bytes": positive(d.UsableBytes), "partitions": parts})
		}
		brokers = append(brokers, m{"broker": s.Meta.NodeID, "error": code(resp.ErrorCode), "dirs": dirs})
	}
	r.emit(call, page, "DescribeLogDirs", m{"brokers": brokers}, nil)
}

// Broker configs Console shows or relies on, with what of each is compared.
var brokerKeys = map[string]string{
	"auto.create.topics.enable": "value", "delete.topic.enable": "value", "log.retention.hours": "value",
	"log.retention.ms": "value", "log.segment.bytes": "value", "message.max.bytes": "value",
	"num.partitions": "value", "default.replication.factor": "value", "log.cleanup.policy": "value",
	"log.dirs": "set", "listeners": "set", "advertised.listeners": "set", "node.id": "value",
}

func (r *runner) brokerConfigs(c context.Context, broker int32) {
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType = kmsg.ConfigResourceTypeBroker
	res.ResourceName = strconv.Itoa(int(broker))
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.Resources = []kmsg.DescribeConfigsRequestResource{res}
	req.IncludeSynonyms = true
	req.IncludeDocumentation = true
	resp, err := req.RequestWith(c, r.cl)
	if err != nil {
		r.emit("broker-configs", "overview", "DescribeConfigs", m{"error": errText(err)}, nil)
		return
	}
	out := m{}
	var total, unknown, valueless, docless, leaked int
	for _, rr := range resp.Resources {
		out["error"] = code(rr.ErrorCode)
		keys := m{}
		for _, e := range rr.Configs {
			total++
			if e.Source == kmsg.ConfigSourceUnknown {
				unknown++
			}
			if e.Value == nil && !e.IsSensitive {
				valueless++
			}
			if e.IsSensitive && e.Value != nil {
				leaked++
			}
			if e.Documentation == nil {
				docless++
			}
			switch brokerKeys[e.Name] {
			case "value":
				keys[e.Name] = m{"value": e.Value, "source": e.Source.String(), "read_only": e.ReadOnly}
			case "set":
				keys[e.Name] = m{"value_set": e.Value != nil && *e.Value != "", "source": e.Source.String()}
			}
		}
		out["keys"] = keys
	}
	out["has_entries"] = total > 0
	out["unknown_sources"] = unknown
	out["sensitive_with_value"] = leaked
	r.emit("broker-configs", "overview", "DescribeConfigs", out,
		m{"entries": total, "without_value": valueless, "without_documentation": docless})
}

// ---------------------------------------------------------------------------
// Topic list (GetTopicsOverview): metadata, cleanup.policy of every topic, sizes.

func (r *runner) topicList() {
	c, cancel := ctx()
	defer cancel()
	meta, err := r.adm.Metadata(c)
	if err != nil {
		r.emit("topics-metadata", "topic list", "Metadata", m{"error": errText(err)}, nil)
		return
	}
	var others []string
	res := m{}
	for _, t := range meta.Topics.Sorted() {
		if t.Topic != r.topic {
			others = append(others, t.Topic)
			continue
		}
		rf := 0
		if len(t.Partitions) > 0 {
			rf = len(t.Partitions[0].Replicas)
		}
		res[t.Topic] = m{"error": errText(t.Err), "internal": t.IsInternal, "partitions": len(t.Partitions),
			"replication_factor": rf}
	}
	r.emit("topics-metadata", "topic list", "Metadata", res, m{"other_topics": others})

	names := meta.Topics.Names()
	sort.Strings(names)
	configs := r.topicConfigs(c, names, []string{"cleanup.policy"})
	r.emit("topics-cleanup-policy", "topic list", "DescribeConfigs", configs[r.topic], nil)
	r.logDirs(c, "log-dirs-by-topic", "topic list", nil)
}

// GetTopicsConfigs: DescribeConfigs with documentation and synonyms.
func (r *runner) topicConfigs(c context.Context, topics, names []string) map[string]any {
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, t := range topics {
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType = kmsg.ConfigResourceTypeTopic
		res.ResourceName = t
		res.ConfigNames = names
		req.Resources = append(req.Resources, res)
	}
	req.IncludeDocumentation = true
	req.IncludeSynonyms = true
	resp, err := req.RequestWith(c, r.cl)
	if err != nil {
		return map[string]any{r.topic: m{"error": errText(err)}}
	}
	out := map[string]any{}
	for _, rr := range resp.Resources {
		entries := m{}
		for _, e := range rr.Configs {
			var synonyms []string
			for _, s := range e.ConfigSynonyms {
				synonyms = append(synonyms, s.Name+"="+s.Source.String())
			}
			entries[e.Name] = m{"value": e.Value, "source": e.Source.String(), "read_only": e.ReadOnly,
				"sensitive": e.IsSensitive, "type": e.ConfigType.String(),
				"documented": e.Documentation != nil && *e.Documentation != "", "synonyms": synonyms}
		}
		out[rr.ResourceName] = m{"error": code(rr.ErrorCode), "configs": entries}
	}
	return out
}

// ---------------------------------------------------------------------------
// A topic's pages: configuration, partitions, consumers, messages.

func (r *runner) topicPages() {
	c, cancel := ctx()
	defer cancel()
	cfg := r.topicConfigs(c, []string{r.topic}, nil)[r.topic]
	r.emit("topic-configs", "topic", "DescribeConfigs", cfg, nil)

	// GetTopicPartitions: metadata, start and end offsets, the partitions' log dirs.
	meta, err := r.adm.Metadata(c, r.topic)
	if err != nil {
		r.emit("topic-partitions", "topic", "Metadata", m{"error": errText(err)}, nil)
	} else {
		parts := m{}
		for _, p := range meta.Topics[r.topic].Partitions.Sorted() {
			parts[strconv.Itoa(int(p.Partition))] = m{"leader": p.Leader, "leader_epoch": p.LeaderEpoch,
				"replicas": p.Replicas, "isr": p.ISR, "offline": p.OfflineReplicas, "error": errText(p.Err)}
		}
		r.emit("topic-partitions", "topic", "Metadata", parts, nil)
	}
	r.emit("topic-start-offsets", "topic", "ListOffsets", r.offsets(r.adm.ListStartOffsets(c, r.topic)), nil)
	r.emit("topic-end-offsets", "topic", "ListOffsets", r.offsets(r.adm.ListEndOffsets(c, r.topic)), nil)
	t := kmsg.NewDescribeLogDirsRequestTopic()
	t.Topic = r.topic
	t.Partitions = []int32{0, 1, 2}
	r.logDirs(c, "topic-log-dirs", "topic", []kmsg.DescribeLogDirsRequestTopic{t})

	// GetTopicConsumers: every group's offsets, kept for the groups on this topic.
	r.emit("topic-consumers", "topic", "ListGroups+OffsetFetch+ListOffsets", r.lag(c, true), nil)

	// ListMessages: offsets by timestamp (the "from timestamp" start), then a consumer
	// without a group reading from the start offsets to the end offsets.
	lo := kmsg.NewPtrListOffsetsRequest()
	lo.ReplicaID = -1
	lt := kmsg.NewListOffsetsRequestTopic()
	lt.Topic = r.topic
	for p := int32(0); p < partitions; p++ {
		lp := kmsg.NewListOffsetsRequestTopicPartition()
		lp.Partition = p
		lp.Timestamp = 0
		lt.Partitions = append(lt.Partitions, lp)
	}
	lo.Topics = []kmsg.ListOffsetsRequestTopic{lt}
	byTime := m{}
	shards := r.cl.RequestSharded(c, lo)
	for _, s := range shards {
		if s.Err != nil {
			byTime["error"] = errText(s.Err)
			continue
		}
		for _, tt := range s.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, p := range tt.Partitions {
				byTime[strconv.Itoa(int(p.Partition))] = m{"error": code(p.ErrorCode), "offset": p.Offset,
					"timestamp": positive(p.Timestamp), "leader_epoch": p.LeaderEpoch}
			}
		}
	}
	r.emit("messages-offsets-by-time", "topic messages", "ListOffsets", byTime, nil)
	r.emit("messages-consume", "topic messages", "Fetch", r.consume(), nil)
}

func (r *runner) offsets(listed kadm.ListedOffsets, err error) any {
	if err != nil {
		return m{"error": errText(err)}
	}
	out := m{}
	listed.Each(func(o kadm.ListedOffset) {
		if o.Topic == r.topic {
			out[strconv.Itoa(int(o.Partition))] = m{"offset": o.Offset, "leader_epoch": o.LeaderEpoch,
				"error": errText(o.Err)}
		}
	})
	return out
}

func (r *runner) consume() any {
	start := map[int32]kgo.Offset{}
	for p := int32(0); p < partitions; p++ {
		start[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(r.seeds...), kgo.ClientID("ui-console-messages"),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{r.topic: start}))
	if err != nil {
		return m{"error": errText(err)}
	}
	defer cl.Close()
	var recs []*kgo.Record
	var errs []any
	deadline := time.Now().Add(20 * time.Second)
	for len(recs) < partitions*perPartition && time.Now().Before(deadline) {
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(c)
		cancel()
		fs.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				errs = append(errs, errText(err))
			}
		})
		recs = append(recs, fs.Records()...)
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].Partition != recs[j].Partition {
			return recs[i].Partition < recs[j].Partition
		}
		return recs[i].Offset < recs[j].Offset
	})
	var rows []string
	for _, rec := range recs {
		rows = append(rows, fmt.Sprintf("%d@%d %s=%s headers=%d ts=%s epoch=%d", rec.Partition, rec.Offset,
			rec.Key, rec.Value, len(rec.Headers), positive(rec.Timestamp.UnixMilli()), rec.LeaderEpoch))
	}
	return m{"records": rows, "errors": errs}
}

// getConsumerGroupOffsets: FetchManyOffsets for the groups, metadata and end offsets
// of their topics, the lag per partition.
func (r *runner) lag(c context.Context, list bool) any {
	groups := []string{r.group}
	if list {
		listed, err := r.adm.ListGroups(c)
		if err != nil {
			return m{"error": errText(err)}
		}
		groups = listed.Groups()
	}
	fetched := r.adm.FetchManyOffsets(c, groups...)
	out := m{}
	if err := fetched.Error(); err != nil {
		out["error"] = errText(err)
	}
	ends, err := r.adm.ListEndOffsets(c, r.topic)
	if err != nil {
		out["end_offsets_error"] = errText(err)
	}
	for _, g := range fetched {
		if g.Group != r.group {
			continue
		}
		parts := m{}
		g.Fetched.Each(func(o kadm.OffsetResponse) {
			end, _ := ends.Lookup(o.Topic, o.Partition)
			parts[fmt.Sprintf("%s-%d", o.Topic, o.Partition)] = m{"committed": o.At, "end": end.Offset,
				"lag": end.Offset - o.At, "leader_epoch": o.LeaderEpoch, "error": errText(o.Err)}
		})
		out[g.Group] = m{"error": errText(g.Err), "partitions": parts}
	}
	return out
}

// ---------------------------------------------------------------------------
// Consumer group list and page.

func (r *runner) groupPages() {
	c, cancel := ctx()
	defer cancel()
	listed, err := r.adm.ListGroups(c)
	if err != nil {
		r.emit("groups-list", "group list", "ListGroups", m{"error": errText(err)}, nil)
	} else {
		g := listed[r.group]
		r.emit("groups-list", "group list", "ListGroups", m{"listed": listed[r.group].Group != "",
			"state": g.State, "protocol_type": g.ProtocolType, "type": g.GroupType}, nil)
	}
	r.describeGroup(c, "groups-describe", "group list")
	r.emit("groups-lag", "group list", "OffsetFetch+Metadata+ListOffsets", r.lag(c, false), nil)
}

func (r *runner) describeGroup(c context.Context, call, page string) {
	described, err := r.adm.DescribeGroups(c, r.group)
	if err != nil {
		r.emit(call, page, "DescribeGroups", m{"error": errText(err)}, nil)
		return
	}
	d := described[r.group]
	var members []any
	for _, mem := range d.Members {
		var assigned []string
		if a, ok := mem.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				for _, p := range t.Partitions {
					assigned = append(assigned, fmt.Sprintf("%s-%d", t.Topic, p))
				}
			}
		}
		sort.Strings(assigned)
		members = append(members, m{"member_id_set": mem.MemberID != "", "client_id": mem.ClientID,
			"host_set": mem.ClientHost != "", "assigned": assigned})
	}
	r.emit(call, page, "DescribeGroups", m{"error": errText(d.Err), "state": d.State,
		"protocol_type": d.ProtocolType, "protocol": d.Protocol, "members": members,
		"coordinator_set": d.Coordinator.Host != ""}, nil)
}

// EditConsumerGroupOffsets, DeleteConsumerGroupOffsets, DeleteConsumerGroup.
func (r *runner) groupActions() {
	c, cancel := ctx()
	defer cancel()
	r.describeGroup(c, "group-before-edit", "group edit offsets")
	commit := kmsg.NewPtrOffsetCommitRequest()
	commit.Group = r.group
	commit.Generation = -1
	ct := kmsg.NewOffsetCommitRequestTopic()
	ct.Topic = r.topic
	for p := int32(0); p < partitions; p++ {
		cp := kmsg.NewOffsetCommitRequestTopicPartition()
		cp.Partition = p
		cp.Offset = 0
		ct.Partitions = append(ct.Partitions, cp)
	}
	commit.Topics = []kmsg.OffsetCommitRequestTopic{ct}
	resp, err := commit.RequestWith(c, r.cl)
	if err != nil {
		r.emit("group-edit-offsets", "group edit offsets", "OffsetCommit", m{"error": errText(err)}, nil)
	} else {
		out := m{}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				out[fmt.Sprintf("%s-%d", t.Topic, p.Partition)] = code(p.ErrorCode)
			}
		}
		r.emit("group-edit-offsets", "group edit offsets", "OffsetCommit", out, nil)
	}
	r.emit("group-after-edit", "group edit offsets", "OffsetFetch+ListOffsets", r.lag(c, false), nil)

	del := kmsg.NewPtrOffsetDeleteRequest()
	del.Group = r.group
	dt := kmsg.NewOffsetDeleteRequestTopic()
	dt.Topic = r.topic
	for p := int32(0); p < partitions; p++ {
		dp := kmsg.NewOffsetDeleteRequestTopicPartition()
		dp.Partition = p
		dt.Partitions = append(dt.Partitions, dp)
	}
	del.Topics = []kmsg.OffsetDeleteRequestTopic{dt}
	dresp, err := del.RequestWith(c, r.cl)
	if err != nil {
		r.emit("group-delete-offsets", "group", "OffsetDelete", m{"error": errText(err)}, nil)
	} else {
		out := m{"error": code(dresp.ErrorCode)}
		for _, t := range dresp.Topics {
			for _, p := range t.Partitions {
				out[fmt.Sprintf("%s-%d", t.Topic, p.Partition)] = code(p.ErrorCode)
			}
		}
		r.emit("group-delete-offsets", "group", "OffsetDelete", out, nil)
	}
	gd, err := r.adm.DeleteGroup(c, r.group)
	r.emit("group-delete", "group", "DeleteGroups", m{"error": errText(err), "group_error": errText(gd.Err)}, nil)
}

// ---------------------------------------------------------------------------
// Topic actions: edit configuration (IncrementalAlterConfigs; AlterConfigs, which
// kafka-ui falls back to and AKHQ always uses), delete records.

func (r *runner) topicActions() {
	c, cancel := ctx()
	defer cancel()
	inc := kmsg.NewPtrIncrementalAlterConfigsRequest()
	ir := kmsg.NewIncrementalAlterConfigsRequestResource()
	ir.ResourceType = kmsg.ConfigResourceTypeTopic
	ir.ResourceName = r.topic
	set := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	set.Name = "retention.ms"
	set.Op = kmsg.IncrementalAlterConfigOpSet
	set.Value = kmsg.StringPtr("3600000")
	ir.Configs = []kmsg.IncrementalAlterConfigsRequestResourceConfig{set}
	inc.Resources = []kmsg.IncrementalAlterConfigsRequestResource{ir}
	iresp, err := inc.RequestWith(c, r.cl)
	if err != nil {
		r.emit("topic-edit-config", "topic configuration", "IncrementalAlterConfigs", m{"error": errText(err)}, nil)
	} else {
		out := m{}
		for _, rr := range iresp.Resources {
			out[rr.ResourceName] = m{"error": code(rr.ErrorCode), "message": rr.ErrorMessage}
		}
		r.emit("topic-edit-config", "topic configuration", "IncrementalAlterConfigs", out, nil)
	}
	r.emit("topic-config-after-edit", "topic configuration", "DescribeConfigs",
		r.configsOnceApplied(c, "retention.ms", "3600000"), nil)

	alter := kmsg.NewPtrAlterConfigsRequest()
	ar := kmsg.NewAlterConfigsRequestResource()
	ar.ResourceType = kmsg.ConfigResourceTypeTopic
	ar.ResourceName = r.topic
	ac := kmsg.NewAlterConfigsRequestResourceConfig()
	ac.Name = "max.message.bytes"
	ac.Value = kmsg.StringPtr("2000000")
	ar.Configs = []kmsg.AlterConfigsRequestResourceConfig{ac}
	alter.Resources = []kmsg.AlterConfigsRequestResource{ar}
	aresp, err := alter.RequestWith(c, r.cl)
	if err != nil {
		r.emit("topic-alter-configs-legacy", "topic configuration", "AlterConfigs", m{"error": errText(err)}, nil)
	} else {
		out := m{}
		for _, rr := range aresp.Resources {
			out[rr.ResourceName] = m{"error": code(rr.ErrorCode), "message": rr.ErrorMessage}
		}
		r.emit("topic-alter-configs-legacy", "topic configuration", "AlterConfigs", out, nil)
	}
	// AlterConfigs replaces the topic's whole dynamic set: retention.ms goes back to its default.
	r.emit("topic-config-after-legacy", "topic configuration", "DescribeConfigs",
		r.configsOnceApplied(c, "max.message.bytes", "2000000"), nil)

	dr := kmsg.NewPtrDeleteRecordsRequest()
	dr.TimeoutMillis = 15000
	drt := kmsg.NewDeleteRecordsRequestTopic()
	drt.Topic = r.topic
	for p := int32(0); p < partitions; p++ {
		drp := kmsg.NewDeleteRecordsRequestTopicPartition()
		drp.Partition = p
		drp.Offset = int64(p) * 5 // 0, 5, 10: nothing, half, all
		drt.Partitions = append(drt.Partitions, drp)
	}
	dr.Topics = []kmsg.DeleteRecordsRequestTopic{drt}
	out := m{}
	for _, s := range r.cl.RequestSharded(c, dr) {
		if s.Err != nil {
			out["error"] = errText(s.Err)
			continue
		}
		for _, t := range s.Resp.(*kmsg.DeleteRecordsResponse).Topics {
			for _, p := range t.Partitions {
				out[fmt.Sprintf("%s-%d", t.Topic, p.Partition)] = m{"low_watermark": p.LowWatermark,
					"error": code(p.ErrorCode)}
			}
		}
	}
	r.emit("topic-delete-records", "topic messages", "DeleteRecords", out, nil)
	r.emit("topic-start-after-delete", "topic", "ListOffsets", r.offsets(r.adm.ListStartOffsets(c, r.topic)), nil)
}

// configsOnceApplied describes retention.ms and max.message.bytes once name has the
// value an alter just set, or after 5 s: Kafka answers an alter before its brokers have
// the change from the controller, and Console's next page load is later than that.
func (r *runner) configsOnceApplied(c context.Context, name, value string) any {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := r.topicConfigs(c, []string{r.topic}, []string{"retention.ms", "max.message.bytes"})[r.topic]
		if res, ok := got.(m); ok {
			if cfgs, ok := res["configs"].(m); ok {
				if e, ok := cfgs[name].(m); ok {
					if v, ok := e["value"].(*string); ok && v != nil && *v == value {
						return got
					}
				}
			}
		}
		if time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// Pages Console offers when the broker answers: ACLs, quotas, users, reassignments.

func (r *runner) optionalPages() {
	c, cancel := ctx()
	defer cancel()

	acl := kmsg.NewPtrDescribeACLsRequest()
	acl.ResourceType = kmsg.ACLResourceTypeAny
	acl.ResourcePatternType = kmsg.ACLResourcePatternTypeAny
	acl.Operation = kmsg.ACLOperationAny
	acl.PermissionType = kmsg.ACLPermissionTypeAny
	if resp, err := acl.RequestWith(c, r.cl); err != nil {
		r.emit("acls", "security", "DescribeAcls", m{"error": errText(err)}, nil)
	} else {
		// Console: SECURITY_DISABLED means "authorizer off", rendered as such.
		r.emit("acls", "security", "DescribeAcls", m{"error": code(resp.ErrorCode), "message": resp.ErrorMessage,
			"resources": len(resp.Resources)}, nil)
	}

	q := kmsg.NewPtrDescribeClientQuotasRequest()
	if resp, err := q.RequestWith(c, r.cl); err != nil {
		r.emit("quotas", "quotas", "DescribeClientQuotas", m{"error": errText(err)}, nil)
	} else {
		r.emit("quotas", "quotas", "DescribeClientQuotas", m{"error": code(resp.ErrorCode),
			"message": resp.ErrorMessage, "entries": len(resp.Entries)}, nil)
	}

	u := kmsg.NewPtrDescribeUserSCRAMCredentialsRequest()
	if resp, err := u.RequestWith(c, r.cl); err != nil {
		r.emit("users", "security", "DescribeUserScramCredentials", m{"error": errText(err)}, nil)
	} else {
		r.emit("users", "security", "DescribeUserScramCredentials", m{"error": code(resp.ErrorCode),
			"message": resp.ErrorMessage, "users": len(resp.Results)}, nil)
	}

	lr := kmsg.NewPtrListPartitionReassignmentsRequest()
	lr.TimeoutMillis = 15000
	if resp, err := lr.RequestWith(c, r.cl); err != nil {
		r.emit("reassignments", "reassign partitions", "ListPartitionReassignments", m{"error": errText(err)}, nil)
	} else {
		r.emit("reassignments", "reassign partitions", "ListPartitionReassignments",
			m{"error": code(resp.ErrorCode), "message": resp.ErrorMessage, "topics": len(resp.Topics)}, nil)
	}
}

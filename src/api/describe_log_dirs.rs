//! DescribeLogDirs (key 35), v1-v4: the broker's log dirs and the partitions in
//! each, as `kafka-log-dirs --describe` and `AdminClient.describeLogDirs` ask.
//!
//! strand has one log dir, the data dir, named by its absolute path as Kafka
//! names it (`Paths.get(dir).toAbsolutePath()`: symlinks not resolved). Each
//! partition's size is that of its segments' `.log` files (Kafka's
//! `UnifiedLog.size`, indexes not counted, the records DeleteRecords hid
//! included until their segment goes); `offset_lag` is 0, as for any current
//! replica, and `is_future_key` false (no replica is being moved between
//! dirs). From v4 the volume's total and usable bytes come from statvfs, as
//! Java's `FileStore` reads them (blocks and blocks available to unprivileged
//! users, times the fragment size).
//!
//! A null topic list asks for every partition. A list names partitions:
//! unknown topics and partitions are left out without an error, and a topic
//! none of whose partitions is asked for is not listed, as Kafka answers. The
//! caller needs Describe on the cluster: without it Kafka answers no dirs and
//! CLUSTER_AUTHORIZATION_FAILED (v3+; earlier versions only the empty list).
//! A dir whose space cannot be read is answered with that error
//! (KAFKA_STORAGE_ERROR) and no topics.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use kafka_protocol::messages::describe_log_dirs_response::{
    DescribeLogDirsPartition, DescribeLogDirsResult, DescribeLogDirsTopic,
};
use kafka_protocol::messages::{DescribeLogDirsRequest, DescribeLogDirsResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeLogDirsRequest as Message>::VERSIONS;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: DescribeLogDirsRequest,
) -> DescribeLogDirsResponse {
    if let Err(refused) = authorize(ctx, Operation::Describe, Resource::Cluster) {
        return DescribeLogDirsResponse::default().with_error_code(refused.code());
    }
    let asked: Option<HashSet<(&str, i32)>> = request
        .topics
        .as_ref()
        .map(|topics| topics.iter().flat_map(|t| t.partitions.iter().map(move |&p| (t.topic.as_str(), p))).collect());
    let dir = absolute(&broker.config.data_dir);
    let result = DescribeLogDirsResult::default().with_log_dir(StrBytes::from_string(dir.display().to_string()));
    let result = match crate::log::dir_space(&dir) {
        Ok(space) => {
            let topics = broker
                .topics
                .all()
                .into_iter()
                .filter_map(|topic| {
                    let partitions: Vec<DescribeLogDirsPartition> = topic
                        .partitions()
                        .iter()
                        .enumerate()
                        .map(|(index, log)| (index as i32, log))
                        .filter(|(index, _)| asked.as_ref().is_none_or(|a| a.contains(&(topic.name.as_str(), *index))))
                        .map(|(index, log)| {
                            DescribeLogDirsPartition::default()
                                .with_partition_index(index)
                                .with_partition_size(log.size_bytes() as i64)
                                .with_offset_lag(0)
                                .with_is_future_key(false)
                        })
                        .collect();
                    (!partitions.is_empty()).then(|| {
                        DescribeLogDirsTopic::default()
                            .with_name(TopicName(StrBytes::from_string(topic.name.clone())))
                            .with_partitions(partitions)
                    })
                })
                .collect();
            result.with_topics(topics).with_total_bytes(space.total_bytes).with_usable_bytes(space.usable_bytes)
        }
        Err(error) => {
            tracing::error!(dir = %dir.display(), error = %error, "could not read the log dir's disk space");
            result.with_error_code(Error::from(error).code())
        }
    };
    DescribeLogDirsResponse::default().with_results(vec![result])
}

/// The dir as Java's `toAbsolutePath` shows it: joined to the working dir if
/// relative, with no trailing slash, symlinks left as they are.
fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned()).components().collect()
}

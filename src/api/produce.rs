//! Produce (key 0), v3-v13 (v13 names topics by id, KIP-516/KIP-890).
//!
//! Every topic and partition the broker hosts; a topic that does not exist is
//! created first when `auto_create_topics` is on. Each partition's records must
//! be exactly one v2 batch, as Kafka requires of
//! v3+ produce requests; the log validates its header and CRC, assigns the base
//! offset, and appends the client's bytes. acks 0, 1 and -1 are accepted; with
//! one replica, 1 and -1 both mean "in the log under the flush policy". acks=0
//! gets no response at all. Any error leaves the log untouched.
//!
//! Idempotent producers' sequences are checked by the log (`log::producer_state`,
//! Kafka's rules): a retried batch is answered with its original base offset, a
//! gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch INVALID_PRODUCER_EPOCH.
//! Not done: transactional batches (InitProducerId refuses transactional ids).

use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::{resolve, resolve_or_create, Error, TopicRef};
use crate::broker::Broker;
use crate::log::batch::BatchHeader;
use crate::log::{AppendInfo, Log};
use crate::topics::config::TopicConfig;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ProduceRequest as Message>::VERSIONS;

/// What the connection does with a produce request's result.
pub enum Answer {
    Respond(ProduceResponse),
    /// acks=0 and every partition appended: Kafka sends nothing.
    Nothing,
    /// acks=0 and a partition failed: Kafka closes the connection, the only way
    /// such a producer can learn of it (it then refreshes metadata and retries).
    Close(String),
}

/// The response, built for every acks value; `answer` decides whether it is sent.
pub async fn handle(broker: &Broker, version: i16, request: ProduceRequest) -> ProduceResponse {
    let acks = request.acks;
    let mut responses = Vec::with_capacity(request.topic_data.len());
    for topic in request.topic_data {
        let reference = if version >= 13 { TopicRef::Id(topic.topic_id) } else { TopicRef::Name(topic.name.as_str()) };
        // Only a valid acks may create a topic: the request is refused anyway.
        // A topic that cannot be created (an illegal name, the partition limit)
        // is unknown to the producer, as it is on Kafka, which never creates on produce.
        let resolved = matches!(acks, -1..=1).then(|| {
            resolve_or_create(broker, reference).unwrap_or_else(|error| {
                tracing::debug!(topic = %topic.name.as_str(), %error, "produce could not auto-create the topic");
                resolve(broker, reference)
            })
        });
        let config = resolved.as_ref().and_then(|r| r.topic.as_ref()).map(|t| t.config());
        let partitions = topic
            .partition_data
            .into_iter()
            .map(|data| {
                let result = match (&resolved, &config) {
                    (None, _) => Err(Error::InvalidRequiredAcks),
                    (Some(resolved), config) => resolved.partition(data.index).and_then(|log| {
                        let config = config.ok_or(Error::UnknownTopicOrPartition)?;
                        append(&log, &config, data.records.as_deref().unwrap_or_default())
                    }),
                };
                partition_response(version, data.index, result)
            })
            .collect();
        responses.push(
            TopicProduceResponse::default()
                .with_name(topic.name)
                .with_topic_id(topic.topic_id)
                .with_partition_responses(partitions),
        );
    }
    ProduceResponse::default().with_responses(responses)
}

/// What the connection does with `response` for a request with `acks`.
pub fn answer(acks: i16, response: ProduceResponse) -> Answer {
    if acks != 0 {
        return Answer::Respond(response);
    }
    let failed = response.responses.iter().flat_map(|t| &t.partition_responses).find(|p| p.error_code != 0);
    match failed {
        Some(p) => Answer::Close(format!("acks=0 produce failed with error code {}", p.error_code)),
        None => Answer::Nothing,
    }
}

const ONE_BATCH: &str = "a produce request needs exactly one record batch per partition";

fn append(log: &Log, config: &TopicConfig, records: &[u8]) -> Result<AppendInfo, Error> {
    let Some(size) = BatchHeader::peek_size(records) else {
        return Err(Error::InvalidRecord(ONE_BATCH));
    };
    if size != records.len() as i64 {
        return if size < records.len() as i64 && size > 0 {
            Err(Error::InvalidRecord(ONE_BATCH))
        } else {
            Err(Error::CorruptMessage("record batch length disagrees with the records size"))
        };
    }
    if records.len() > config.max_message_bytes as usize {
        return Err(Error::MessageTooLarge { size: records.len(), max: config.max_message_bytes });
    }
    match Broker::append(log, config.flush_messages.is_some(), records, crate::now_ms()) {
        Ok(info) => {
            crate::metrics::produced((info.last_offset - info.base_offset + 1) as u64, records.len() as u64);
            Ok(info)
        }
        Err(e) => {
            tracing::warn!(error = %e, "produce refused");
            Err(e.into())
        }
    }
}

fn partition_response(version: i16, index: i32, result: Result<AppendInfo, Error>) -> PartitionProduceResponse {
    let response = PartitionProduceResponse::default().with_index(index).with_log_append_time_ms(-1);
    match result {
        Ok(info) => response
            .with_base_offset(info.base_offset)
            .with_log_start_offset(info.log_start_offset)
            .with_log_append_time_ms(info.log_append_time_ms),
        Err(error) => {
            let response = response.with_error_code(error.code()).with_base_offset(-1).with_log_start_offset(-1);
            // Kafka sends no message for an unknown partition or bad acks, only for refused records.
            let message = match error {
                Error::UnknownTopicOrPartition | Error::UnknownTopicId | Error::InvalidRequiredAcks => None,
                _ => Some(error.to_string()),
            };
            // error_message exists from v8 on; older versions cannot carry it.
            if version >= 8 {
                response.with_error_message(message.map(StrBytes::from_string))
            } else {
                response
            }
        }
    }
}

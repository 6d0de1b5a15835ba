//! Produce (key 0), v3-v13 (v13 names topics by id, KIP-516/KIP-890).
//!
//! Each partition's records must be exactly one v2 batch, as Kafka requires of
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

use super::{check_partition, resolve_topic, Error, TopicRef};
use crate::broker::Broker;
use crate::log::batch::BatchHeader;

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
        let partitions = topic
            .partition_data
            .into_iter()
            .map(|data| {
                let result = if !matches!(acks, -1..=1) {
                    Err(Error::InvalidRequiredAcks)
                } else {
                    resolve_topic(broker, reference)
                        .and_then(|()| check_partition(data.index))
                        .and_then(|()| append(broker, data.records.as_deref().unwrap_or_default()))
                };
                partition_response(broker, version, data.index, result)
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

fn append(broker: &Broker, records: &[u8]) -> Result<i64, Error> {
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
    if records.len() > broker.config.max_message_bytes as usize {
        return Err(Error::MessageTooLarge { size: records.len(), max: broker.config.max_message_bytes });
    }
    match broker.append(records, crate::now_ms()) {
        Ok(info) => {
            crate::metrics::produced((info.last_offset - info.base_offset + 1) as u64, records.len() as u64);
            Ok(info.base_offset)
        }
        Err(e) => {
            tracing::warn!(error = %e, "produce refused");
            Err(e.into())
        }
    }
}

fn partition_response(
    broker: &Broker,
    version: i16,
    index: i32,
    result: Result<i64, Error>,
) -> PartitionProduceResponse {
    let response = PartitionProduceResponse::default().with_index(index).with_log_append_time_ms(-1);
    match result {
        Ok(base_offset) => response.with_base_offset(base_offset).with_log_start_offset(broker.log.start_offset()),
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

//! Produce (key 0), v3-v13 (v13 names topics by id, KIP-516/KIP-890).
//!
//! Every topic and partition the broker hosts; a topic that does not exist is
//! created first when `auto_create_topics` is on. Each partition's records must
//! be exactly one v2 batch, as Kafka requires of
//! v3+ produce requests; the log validates it (`log::validate`), assigns the base
//! offset, and appends the client's bytes (its header rewritten only where Kafka
//! rewrites it: LogAppendTime, a wrong max timestamp). acks 0, 1 and -1 are accepted; with
//! one replica, 1 and -1 both mean "in the log under the flush policy". acks=0
//! gets no response at all. Any error leaves the log untouched.
//!
//! Idempotent producers' sequences are checked by the log (`log::producer_state`,
//! Kafka's rules): a retried batch is answered with its original base offset, a
//! gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch INVALID_PRODUCER_EPOCH.
//! Not done: transactional batches (InitProducerId refuses transactional ids).
//!
//! What is checked where, in Kafka 4.4's order (`KafkaApis.handleProduceRequest`,
//! `ProduceRequest.validateRecords`, then the log's `log::validate`):
//! - a transactional batch in a request without a transactional id fails the
//!   whole request, every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
//! - each partition's records, read as Kafka's batch iterator reads them: a batch
//!   length under 14 or a magic outside 0..=2 is CORRUPT_MESSAGE, no whole batch
//!   (a truncated one included) or a magic other than 2 INVALID_RECORD, zstd
//!   before Produce v7 UNSUPPORTED_COMPRESSION_TYPE, a second whole batch
//!   INVALID_RECORD; bytes after the batch too few to be one are dropped, as
//!   Kafka drops them;
//! - `max.message.bytes`, then the log (base offset, CRC, the batch header, every
//!   record, timestamps: INVALID_RECORD, CORRUPT_MESSAGE, INVALID_TIMESTAMP with
//!   `record_errors`).
//!
//! `log_start_offset` is the partition's for the log's refusals of an invalid
//! batch or record, a timestamp, a sequence or an epoch, and -1 for a bad CRC,
//! a batch too large and the refusals made before the log, as Kafka's
//! ReplicaManager answers.

use kafka_protocol::messages::produce_response::{
    BatchIndexAndErrorMessage, PartitionProduceResponse, TopicProduceResponse,
};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::{resolve, resolve_or_create, Error, TopicRef};
use crate::broker::Broker;
use crate::log::batch::{BatchHeader, LOG_OVERHEAD};
use crate::log::{self, AppendInfo, Log};
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
    if request.transactional_id.is_none() && has_transactional_records(&request) {
        return refuse_all(version, request);
    }
    let acks = request.acks;
    let started = std::time::Instant::now();
    let mut traffic = Vec::with_capacity(request.topic_data.len());
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
        let (mut records, mut bytes) = (0, 0);
        let partitions = topic
            .partition_data
            .into_iter()
            .map(|data| {
                let result = match (&resolved, &config) {
                    (None, _) => Err(Failure::before_the_log(Error::InvalidRequiredAcks)),
                    (Some(resolved), config) => {
                        resolved.partition(data.index).map_err(Failure::before_the_log).and_then(|log| {
                            let config = config.ok_or(Failure::before_the_log(Error::UnknownTopicOrPartition))?;
                            append(&log, &config, version, data.records.as_deref().unwrap_or_default())
                        })
                    }
                };
                if let Ok(info) = &result {
                    records += (info.last_offset - info.base_offset + 1) as u64;
                    bytes += data.records.as_ref().map_or(0, |r| r.len() as u64);
                }
                partition_response(version, data.index, result)
            })
            .collect();
        traffic.extend(resolved.and_then(|r| r.topic).map(|t| (t, records, bytes)));
        responses.push(
            TopicProduceResponse::default()
                .with_name(topic.name)
                .with_topic_id(topic.topic_id)
                .with_partition_responses(partitions),
        );
    }
    for (topic, records, bytes) in traffic {
        topic.stats.record_produce(records, bytes, started.elapsed());
    }
    ProduceResponse::default().with_responses(responses)
}

/// Whether any partition's records hold a transactional batch (Kafka's
/// `ProduceRequest.hasTransactionalRecords`, over the whole batches there are).
fn has_transactional_records(request: &ProduceRequest) -> bool {
    let mut records = request.topic_data.iter().flat_map(|t| &t.partition_data).filter_map(|p| p.records.as_deref());
    records.any(|mut rest| {
        while let Ok(Some(batch)) = next_batch(rest) {
            if BatchHeader::new(batch).is_ok_and(|h| h.magic() == 2 && log::validate::is_transactional(&h)) {
                return true;
            }
            rest = &rest[batch.len()..];
        }
        false
    })
}

/// Every partition of the request refused for its transactional records, nothing appended.
fn refuse_all(version: i16, request: ProduceRequest) -> ProduceResponse {
    let responses = request
        .topic_data
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partition_data
                .iter()
                .map(|p| {
                    let failure = Failure::before_the_log(Error::TransactionalRecordsWithoutId);
                    partition_response(version, p.index, Err(failure))
                })
                .collect();
            TopicProduceResponse::default()
                .with_name(topic.name)
                .with_topic_id(topic.topic_id)
                .with_partition_responses(partitions)
        })
        .collect();
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

/// A refused partition: the error and the log start offset its response carries.
struct Failure {
    error: Error,
    log_start_offset: i64,
}

impl Failure {
    /// Refused before the log looked at the records: -1, as Kafka answers.
    fn before_the_log(error: Error) -> Self {
        Self { error, log_start_offset: -1 }
    }

    /// Refused by the log: Kafka answers its errors past the size and CRC checks
    /// (an invalid batch or record, a timestamp, a producer's sequence or epoch)
    /// with the log start offset, which the Java producer reads on sequence errors
    /// to tell whether retention removed the producer's state.
    fn from_log(log: &Log, error: log::Error) -> Self {
        let at_the_partition = matches!(
            error,
            log::Error::InvalidRecord(_)
                | log::Error::MalformedRecords(_)
                | log::Error::InvalidTimestamp(_)
                | log::Error::OutOfOrderSequence { .. }
                | log::Error::InvalidProducerEpoch { .. }
        );
        let log_start_offset = if at_the_partition { log.start_offset() } else { -1 };
        Self { error: error.into(), log_start_offset }
    }
}

/// The size of the smallest record batch format (a magic-0 message), under which
/// Kafka's batch iterator calls a batch length corrupt.
const MIN_BATCH_LENGTH: i32 = 14;
/// Bytes up to and including the magic byte.
const HEADER_UP_TO_MAGIC: usize = 17;

/// The whole batch at the start of `buf`, as Kafka's `ByteBufferLogInputStream`
/// finds it: None when `buf` does not hold one whole batch, CORRUPT_MESSAGE for a
/// length or magic that no batch can have.
fn next_batch(buf: &[u8]) -> Result<Option<&[u8]>, Error> {
    let Some(size) = BatchHeader::peek_size(buf) else { return Ok(None) };
    if size - (LOG_OVERHEAD as i64) < i64::from(MIN_BATCH_LENGTH) {
        return Err(Error::CorruptMessage("record batch length is less than the minimum record overhead (14)"));
    }
    if buf.len() < HEADER_UP_TO_MAGIC {
        return Ok(None);
    }
    if !(0..=2).contains(&(buf[HEADER_UP_TO_MAGIC - 1] as i8)) {
        return Err(Error::CorruptMessage("invalid magic found in record batch"));
    }
    Ok(usize::try_from(size).ok().and_then(|size| buf.get(..size)))
}

/// The one v2 batch of a partition's records (Kafka's `ProduceRequest.validateRecords`).
fn one_batch(version: i16, records: &[u8]) -> Result<&[u8], Error> {
    let batch = next_batch(records)?
        .ok_or(Error::InvalidRecord("a produce request needs at least one whole record batch per partition"))?;
    if batch[HEADER_UP_TO_MAGIC - 1] != 2 {
        return Err(Error::InvalidRecord("produce requests may only carry record batches with magic 2"));
    }
    // KIP-110: a client that negotiated a version before 7 cannot have meant zstd.
    if version < 7 && BatchHeader::new(batch).is_ok_and(|h| h.compression() == 4) {
        return Err(Error::UnsupportedCompressionType(version));
    }
    if next_batch(&records[batch.len()..])?.is_some() {
        return Err(Error::InvalidRecord("a produce request needs exactly one record batch per partition"));
    }
    Ok(batch)
}

fn append(log: &Log, config: &TopicConfig, version: i16, records: &[u8]) -> Result<AppendInfo, Failure> {
    let batch = one_batch(version, records).map_err(Failure::before_the_log)?;
    if batch.len() > config.max_message_bytes as usize {
        return Err(Failure::before_the_log(Error::MessageTooLarge {
            size: batch.len(),
            max: config.max_message_bytes,
        }));
    }
    match Broker::append(log, config.flush_messages.is_some(), batch, crate::now_ms()) {
        Ok(info) => {
            crate::metrics::produced((info.last_offset - info.base_offset + 1) as u64, batch.len() as u64);
            Ok(info)
        }
        Err(e) => {
            tracing::warn!(error = %e, "produce refused");
            Err(Failure::from_log(log, e))
        }
    }
}

fn partition_response(version: i16, index: i32, result: Result<AppendInfo, Failure>) -> PartitionProduceResponse {
    let response = PartitionProduceResponse::default().with_index(index).with_log_append_time_ms(-1);
    match result {
        Ok(info) => response
            .with_base_offset(info.base_offset)
            .with_log_start_offset(info.log_start_offset)
            .with_log_append_time_ms(info.log_append_time_ms),
        Err(Failure { error, log_start_offset }) => {
            let response =
                response.with_error_code(error.code()).with_base_offset(-1).with_log_start_offset(log_start_offset);
            // Kafka sends no message for an unknown partition, bad acks or
            // transactional records without a transactional id, only for refused records.
            let message = match error {
                Error::UnknownTopicOrPartition
                | Error::UnknownTopicId
                | Error::InvalidRequiredAcks
                | Error::TransactionalRecordsWithoutId => None,
                _ => Some(error.to_string()),
            };
            let record_errors = match &error {
                Error::Log(log::Error::InvalidTimestamp(errors)) => errors
                    .iter()
                    .map(|e| {
                        BatchIndexAndErrorMessage::default()
                            .with_batch_index(e.batch_index)
                            .with_batch_index_error_message(Some(StrBytes::from_string(e.message.clone())))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            // error_message and record_errors exist from v8 on; older versions cannot carry them.
            if version >= 8 {
                response.with_error_message(message.map(StrBytes::from_string)).with_record_errors(record_errors)
            } else {
                response
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::error::ResponseError;

    use crate::log::testing::make_batch;

    fn code(result: Result<&[u8], Error>) -> i16 {
        result.map_or_else(|e| e.code(), |_| 0)
    }

    #[test]
    fn the_one_batch_is_found_as_kafkas_batch_iterator_finds_it() {
        let good = make_batch(2, 10, 1_000).to_vec();
        assert_eq!(one_batch(9, &good).unwrap(), &good[..]);
        // Bytes too few to be a second batch are dropped, as Kafka drops them.
        let stray = [good.clone(), vec![0; 5]].concat();
        assert_eq!(one_batch(9, &stray).unwrap(), &good[..]);
        // So is a second batch that is not whole.
        let partial = [good.clone(), good[..40].to_vec()].concat();
        assert_eq!(one_batch(9, &partial).unwrap(), &good[..]);
        let invalid = ResponseError::InvalidRecord.code();
        assert_eq!(code(one_batch(9, &[good.clone(), good.clone()].concat())), invalid);
        assert_eq!(code(one_batch(9, &good[..good.len() - 1])), invalid);
        assert_eq!(code(one_batch(9, &[])), invalid);
        let mut magic_1 = good.clone();
        magic_1[16] = 1;
        assert_eq!(code(one_batch(9, &magic_1)), invalid);
        let corrupt = ResponseError::CorruptMessage.code();
        let mut magic_3 = good.clone();
        magic_3[16] = 3;
        assert_eq!(code(one_batch(9, &magic_3)), corrupt);
        let mut length_10 = good.clone();
        length_10[8..12].copy_from_slice(&10i32.to_be_bytes());
        assert_eq!(code(one_batch(9, &length_10)), corrupt);
        let mut zstd = good.clone();
        zstd[22] |= 4;
        assert_eq!(code(one_batch(6, &zstd)), ResponseError::UnsupportedCompressionType.code());
        assert_eq!(code(one_batch(7, &zstd)), 0, "the log, not this, finds the records are not zstd");
    }
}

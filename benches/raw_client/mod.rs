//! The benches' raw Kafka connection: blocking, one request in flight, the
//! kafka-protocol codecs, so a request is timed from its write to its response's
//! read with nothing of a client library in between.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::{
    ApiKey, GroupId, OffsetCommitRequest, OffsetCommitResponse, RequestHeader, ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, Request, StrBytes};

pub struct Client {
    stream: TcpStream,
    correlation_id: i32,
    client_id: &'static str,
}

impl Client {
    pub fn connect(addr: &str, client_id: &'static str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect to strand");
        stream.set_nodelay(true).expect("nodelay");
        stream.set_read_timeout(Some(Duration::from_secs(60))).expect("read timeout");
        Client { stream, correlation_id: 0, client_id }
    }

    pub fn send<R: Request>(&mut self, version: i16, request: &R) -> R::Response {
        self.correlation_id += 1;
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(StrBytes::from_static_str(self.client_id)));
        let mut body = BytesMut::new();
        header.encode(&mut body, R::header_version(version)).expect("encode header");
        request.encode(&mut body, version).expect("encode request");
        let mut frame = BytesMut::with_capacity(4 + body.len());
        frame.put_i32(body.len() as i32);
        frame.extend_from_slice(&body);
        self.stream.write_all(&frame).expect("send request");

        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size).expect("read response size");
        let mut response = vec![0u8; i32::from_be_bytes(size) as usize];
        self.stream.read_exact(&mut response).expect("read response");
        let mut response = Bytes::from(response);
        let key = ApiKey::try_from(R::KEY).expect("a known api key");
        let header = ResponseHeader::decode(&mut response, key.response_header_version(version)).expect("header");
        assert_eq!(header.correlation_id, self.correlation_id, "responses come in order");
        let decoded = R::Response::decode(&mut response, version).expect("decode response");
        debug_assert!(!response.has_remaining(), "the whole response decoded");
        decoded
    }

    /// OffsetCommit v8 of `offset` for `topic` partition 0, as a consumer using
    /// assign() commits (generation -1); panics unless it was taken.
    pub fn commit(&mut self, group: &str, topic: &'static str, offset: i64) {
        let request = OffsetCommitRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(group.to_owned())))
            .with_generation_id_or_member_epoch(-1)
            .with_topics(vec![OffsetCommitRequestTopic::default()
                .with_name(TopicName(StrBytes::from_static_str(topic)))
                .with_partitions(vec![OffsetCommitRequestPartition::default()
                    .with_partition_index(0)
                    .with_committed_offset(offset)])]);
        let response: OffsetCommitResponse = self.send(8, &request);
        let code = response.topics.first().and_then(|t| t.partitions.first()).map_or(-1, |p| p.error_code);
        assert_eq!(code, 0, "{group}'s commit of offset {offset}");
    }
}

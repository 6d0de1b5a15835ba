//! Response frames that carry record bytes without copying them.
//!
//! A Fetch response is mostly record batches that the log hands over as `Bytes`
//! (per partition, one buffer a single pread filled). Encoding it into one buffer
//! would copy every record byte once more before the socket copies it again;
//! `FrameBuf` instead recognises those `Bytes` as the encoder writes them and
//! keeps a reference, so the frame becomes a few parts: encoded fields, records,
//! encoded fields. kafka-protocol writes a bytes field as its length, then the
//! whole value in one `put_slice`; the value is recognised by address and length,
//! which is exact: it is the very slice of a `Bytes` the caller listed.

use std::ops::Range;

use bytes::buf::UninitSlice;
use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::protocol::buf::ByteBufMut;

/// Records shorter than this are copied into the frame: for a few hundred bytes
/// (a tailing consumer's fetch) a copy is cheaper than another part to write.
const SPLICE_FROM: usize = 16 * 1024;

/// A response ready to write: its parts, back to back, size prefix first.
#[derive(Debug)]
pub struct Frame {
    parts: Vec<Bytes>,
}

impl Frame {
    pub fn parts(&self) -> &[Bytes] {
        &self.parts
    }

    /// The whole frame's length, size prefix included.
    pub fn len(&self) -> usize {
        self.parts.iter().map(Bytes::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The buffer a response is encoded into; see the module doc.
pub struct FrameBuf<'a> {
    /// The record sets that may be referenced rather than copied.
    splice: &'a [Bytes],
    /// The frame's first part while it is still being written: the size prefix
    /// at its start is filled in last.
    first: Option<BytesMut>,
    parts: Vec<Bytes>,
    /// Encoded bytes not yet split off into a part.
    head: BytesMut,
    /// Bytes in `first` and `parts`: `head` starts at this frame offset.
    done: usize,
}

impl<'a> FrameBuf<'a> {
    /// A frame whose first four bytes are the size prefix, filled in by `finish`.
    pub fn new(splice: &'a [Bytes]) -> Self {
        let mut head = BytesMut::with_capacity(128);
        head.put_i32(0);
        Self { splice, first: None, parts: Vec::new(), head, done: 0 }
    }

    /// Fills in the size prefix; None when the frame is over i32::MAX bytes,
    /// which no valid response is.
    pub fn finish(mut self) -> Option<Frame> {
        let size = i32::try_from(self.done + self.head.len() - 4).ok()?.to_be_bytes();
        let Some(mut first) = self.first.take() else {
            self.head[..4].copy_from_slice(&size);
            return Some(Frame { parts: vec![self.head.freeze()] });
        };
        first[..4].copy_from_slice(&size);
        let mut parts = Vec::with_capacity(self.parts.len() + 2);
        parts.push(first.freeze());
        parts.append(&mut self.parts);
        if !self.head.is_empty() {
            parts.push(self.head.freeze());
        }
        Some(Frame { parts })
    }

    fn spliced(&self, src: &[u8]) -> Option<Bytes> {
        if src.len() < SPLICE_FROM {
            return None;
        }
        self.splice.iter().find(|b| b.as_ptr() == src.as_ptr() && b.len() == src.len()).cloned()
    }
}

// SAFETY: every required method forwards to `head`, a `BytesMut`, which upholds
// `BufMut`'s contract itself; `put_slice` only decides whether bytes are copied
// into `head` or referenced as a part, and never touches `head`'s memory directly.
unsafe impl BufMut for FrameBuf<'_> {
    fn remaining_mut(&self) -> usize {
        self.head.remaining_mut()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller initialised `cnt` bytes of `head.chunk_mut()`, as
        // `BufMut::advance_mut` requires of it.
        unsafe { self.head.advance_mut(cnt) }
    }

    fn chunk_mut(&mut self) -> &mut UninitSlice {
        self.head.chunk_mut()
    }

    fn put_slice(&mut self, src: &[u8]) {
        let Some(records) = self.spliced(src) else {
            self.head.put_slice(src);
            return;
        };
        // Later fields go on into the same allocation; the parts share it.
        let encoded = self.head.split();
        self.done += encoded.len() + records.len();
        if self.first.is_none() {
            self.first = Some(encoded);
        } else {
            self.parts.push(encoded.freeze());
        }
        self.parts.push(records);
    }
}

/// Offsets are frame offsets. Only record-batch encoders seek back (to fill in
/// lengths and CRCs), within bytes they wrote themselves; a response's encoder
/// never does, so a seek never reaches into a part already split off.
impl ByteBufMut for FrameBuf<'_> {
    fn offset(&self) -> usize {
        self.done + self.head.len()
    }

    fn seek(&mut self, offset: usize) {
        let within = offset.checked_sub(self.done).expect("response encoders never seek into a split-off part");
        self.head.resize(within, 0);
    }

    fn range(&mut self, r: Range<usize>) -> &mut [u8] {
        let start = r.start.checked_sub(self.done).expect("response encoders never reach into a split-off part");
        &mut self.head[start..r.end - self.done]
    }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
    use kafka_protocol::messages::{FetchResponse, ResponseHeader, TopicName};
    use kafka_protocol::protocol::{Encodable, StrBytes};

    use super::*;

    fn response(records: &[Bytes]) -> FetchResponse {
        let partitions = records
            .iter()
            .enumerate()
            .map(|(i, r)| PartitionData::default().with_partition_index(i as i32).with_records(Some(r.clone())))
            .collect();
        FetchResponse::default().with_responses(vec![FetchableTopicResponse::default()
            .with_topic(TopicName(StrBytes::from_static_str("events")))
            .with_partitions(partitions)])
    }

    /// The frame as one buffer, the way it was built before frames had parts.
    fn copied(response: &FetchResponse, version: i16) -> Vec<u8> {
        let mut buf = BytesMut::new();
        buf.put_i32(0);
        ResponseHeader::default().with_correlation_id(3).encode(&mut buf, 1).unwrap();
        response.encode(&mut buf, version).unwrap();
        let size = (buf.len() - 4) as i32;
        buf[..4].copy_from_slice(&size.to_be_bytes());
        buf.to_vec()
    }

    fn framed(response: &FetchResponse, version: i16, splice: &[Bytes]) -> Frame {
        let mut buf = FrameBuf::new(splice);
        ResponseHeader::default().with_correlation_id(3).encode(&mut buf, 1).unwrap();
        response.encode(&mut buf, version).unwrap();
        buf.finish().unwrap()
    }

    #[test]
    fn a_frame_with_records_by_reference_has_the_bytes_of_a_copied_one() {
        let records = [Bytes::from(vec![7u8; 100_000]), Bytes::from(vec![1u8; 10]), Bytes::from(vec![9u8; 20_000])];
        for version in [4, 11, 12, 18] {
            let response = response(&records);
            let frame = framed(&response, version, &records);
            assert_eq!(frame.parts().concat(), copied(&response, version), "v{version}");
            // The two large record sets are the caller's own bytes; the small one was copied.
            let shared: Vec<_> =
                frame.parts().iter().filter(|p| records.iter().any(|r| r.as_ptr() == p.as_ptr())).collect();
            assert_eq!(shared.len(), 2, "v{version}");
        }
    }

    #[test]
    fn a_frame_without_records_to_splice_is_one_part() {
        let records = [Bytes::from(vec![7u8; 100_000])];
        let response = response(&records);
        let frame = framed(&response, 12, &[]);
        assert_eq!(frame.parts().len(), 1);
        assert_eq!(frame.parts()[0], copied(&response, 12));
    }
}

//! The opaque paging cursor: where each unfinished partition goes on from, and
//! the topic id (KIP-516) so that a cursor outlives no topic it was made for (a
//! topic deleted and created again under the same name is another topic).
//! Nothing secret is in it: it is base64url (no padding) of
//! `1;<topic id>;<partition>=<offset>,...`, versioned by its first field so that
//! its form can change without misreading old cursors. A partition absent from
//! it is finished; partitions added to the topic after the first page are not
//! in it (a new query reads them).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

/// The form this code writes.
const VERSION: &str = "1";
/// A cursor names at most this many partitions (Kafka's own partition limit
/// per topic is far below what a query string could carry).
const MAX_PARTITIONS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub topic_id: Uuid,
    /// (partition, next offset), by partition.
    pub positions: Vec<(i32, i64)>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let positions: Vec<String> = self.positions.iter().map(|(p, o)| format!("{p}={o}")).collect();
        URL_SAFE_NO_PAD.encode(format!("{VERSION};{};{}", self.topic_id, positions.join(",")))
    }

    /// The cursor `text` encodes, or None when it is not one `encode` wrote.
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut fields = text.split(';');
        if fields.next()? != VERSION {
            return None;
        }
        let topic_id = Uuid::parse_str(fields.next()?).ok()?;
        let positions_text = fields.next()?;
        if fields.next().is_some() {
            return None;
        }
        let mut positions = Vec::new();
        if !positions_text.is_empty() {
            for position in positions_text.split(',') {
                let (partition, offset) = position.split_once('=')?;
                let (partition, offset) = (partition.parse::<i32>().ok()?, offset.parse::<i64>().ok()?);
                // Strictly increasing partitions: each at most once, in order.
                if partition < 0 || offset < 0 || positions.last().is_some_and(|&(last, _)| last >= partition) {
                    return None;
                }
                positions.push((partition, offset));
                if positions.len() > MAX_PARTITIONS {
                    return None;
                }
            }
        }
        Some(Cursor { topic_id, positions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_is_url_safe() {
        let cursor = Cursor { topic_id: Uuid::from_u128(0x1234), positions: vec![(0, 15), (1, 0), (7, i64::MAX)] };
        let text = cursor.encode();
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{text}");
        assert_eq!(Cursor::decode(&text), Some(cursor));
        let done = Cursor { topic_id: Uuid::from_u128(1), positions: vec![] };
        assert_eq!(Cursor::decode(&done.encode()), Some(done));
    }

    #[test]
    fn anything_else_is_refused() {
        let id = Uuid::from_u128(9);
        let encode = |text: &str| URL_SAFE_NO_PAD.encode(text);
        for text in [
            String::new(),
            "not base64!".to_owned(),
            encode("2;00000000-0000-0000-0000-000000000009;0=1"),
            encode("1;not-a-uuid;0=1"),
            encode(&format!("1;{id};0=-1")),
            encode(&format!("1;{id};-1=0")),
            encode(&format!("1;{id};1=0,0=0")),
            encode(&format!("1;{id};0=1,0=2")),
            encode(&format!("1;{id};0=1;extra")),
            encode(&format!("1;{id};0")),
            encode(&format!("1;{id}")),
        ] {
            assert_eq!(Cursor::decode(&text), None, "{text}");
        }
    }
}

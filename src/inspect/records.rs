//! The records inside an uncompressed v2 batch, for `strand inspect --records`.
//!
//! The broker itself never looks inside a batch (see `log::batch`); this walks
//! the record layout from the Kafka protocol guide, every length and number a
//! zig-zag varint:
//!
//! ```text
//! length varint, attributes i8, timestampDelta varlong, offsetDelta varint,
//! keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
//! headerCount varint, then per header: keyLength varint, key, valueLength varint, value
//! ```

use crate::log::batch::{BatchHeader, HEADER_LEN};

pub struct Record<'a> {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: Vec<(&'a [u8], Option<&'a [u8]>)>,
}

/// The records of an uncompressed batch, in order. The first malformed record
/// ends the walk with `Err(reason)`.
pub fn records<'a>(batch: &'a [u8]) -> impl Iterator<Item = Result<Record<'a>, &'static str>> + 'a {
    let header = BatchHeader::new(batch).ok();
    let count = header.map_or(0, |h| h.record_count().max(0));
    let mut rest = batch.get(HEADER_LEN..).unwrap_or_default();
    let mut failed = false;
    (0..count).map_while(move |_| {
        if failed {
            return None;
        }
        let header = header?;
        let record = next_record(&header, &mut rest);
        failed = record.is_err();
        Some(record)
    })
}

fn next_record<'a>(header: &BatchHeader<'_>, rest: &mut &'a [u8]) -> Result<Record<'a>, &'static str> {
    let len = usize::try_from(varint(rest)?).map_err(|_| "negative record length")?;
    if rest.len() < len {
        return Err("record runs past the end of its batch");
    }
    let (mut body, after) = rest.split_at(len);
    *rest = after;
    take(&mut body, 1)?; // attributes: unused by every Kafka version so far
    let timestamp_delta = varint(&mut body)?;
    let offset_delta = varint(&mut body)?;
    let key = nullable_bytes(&mut body)?;
    let value = nullable_bytes(&mut body)?;
    let header_count = varint(&mut body)?;
    let mut headers = Vec::new();
    for _ in 0..header_count.max(0) {
        let name = nullable_bytes(&mut body)?.ok_or("header with a null key")?;
        headers.push((name, nullable_bytes(&mut body)?));
    }
    // With log-append time the broker stamped the batch, not the records.
    let timestamp = if header.is_log_append_time() {
        header.max_timestamp()
    } else {
        header.base_timestamp().saturating_add(timestamp_delta)
    };
    Ok(Record { offset: header.base_offset().saturating_add(offset_delta), timestamp, key, value, headers })
}

fn nullable_bytes<'a>(buf: &mut &'a [u8]) -> Result<Option<&'a [u8]>, &'static str> {
    match varint(buf)? {
        -1 => Ok(None),
        len => Ok(Some(take(buf, usize::try_from(len).map_err(|_| "negative length")?)?)),
    }
}

fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], &'static str> {
    if buf.len() < n {
        return Err("record field runs past the end of its record");
    }
    let (taken, rest) = buf.split_at(n);
    *buf = rest;
    Ok(taken)
}

/// A zig-zag varint (or varlong: same encoding, up to 10 bytes).
fn varint(buf: &mut &[u8]) -> Result<i64, &'static str> {
    let mut value: u64 = 0;
    for (i, byte) in buf.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *buf = &buf[i + 1..];
            return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
        }
    }
    Err("truncated or over-long varint")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_zig_zag() {
        for (bytes, want) in
            [(&[0x00][..], 0), (&[0x01], -1), (&[0x02], 1), (&[0x96, 0x01], 75), (&[0xff, 0xff, 0x03], -32768)]
        {
            let mut buf = bytes;
            assert_eq!(varint(&mut buf), Ok(want), "{bytes:?}");
            assert!(buf.is_empty());
        }
        assert!(varint(&mut &[0x80][..]).is_err());
    }
}

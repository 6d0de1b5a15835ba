//! The query string of `GET /strand/v1/topics/{topic}/records`, parsed once into
//! where to start (`Start`) and what to keep (`Filter`); anything that does not
//! parse is a 422 naming the parameter. Unknown parameters are ignored, as the
//! REST Proxy ignores them; a parameter given twice is refused, except `header`,
//! whose every occurrence must match.

use super::{Cursor, DEFAULT_LIMIT, MAX_LIMIT};
use crate::http::RestError;
use crate::log::records::Record;

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub start: Start,
    pub filter: Filter,
    pub limit: usize,
}

/// Where the page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// A first page: every partition (or the one named), each from its log
    /// start, `from_offset` and the first record at or after `from_time`,
    /// whichever is latest.
    Seek { partition: Option<i32>, from_offset: Option<i64>, from_time: Option<i64> },
    /// A later page: the positions the previous one stopped at.
    Cursor(Cursor),
}

/// What a record must be to be in the page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Records before it are left out (from_time).
    pub from_time: Option<i64>,
    /// A partition ends at its first record after it (to_time).
    pub to_time: Option<i64>,
    pub key: Option<Vec<u8>>,
    /// (name, value): a header of that name, with that value when one is given.
    pub headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    pub contains: Option<String>,
}

impl Filter {
    /// Whether `record`, stamped `timestamp`, is kept (to_time is the scan's,
    /// as it ends a partition rather than skipping a record).
    pub fn matches(&self, record: &Record<'_>, timestamp: i64) -> bool {
        if self.from_time.is_some_and(|from| timestamp < from) {
            return false;
        }
        if let Some(key) = &self.key {
            if record.key != Some(key.as_slice()) {
                return false;
            }
        }
        let header_found = |(name, value): &(Vec<u8>, Option<Vec<u8>>)| {
            record.headers().any(|(n, v)| n == name.as_slice() && value.as_ref().is_none_or(|want| v == Some(want)))
        };
        if !self.headers.iter().all(header_found) {
            return false;
        }
        if let Some(text) = &self.contains {
            let value = record.value.and_then(|v| std::str::from_utf8(v).ok());
            if !value.is_some_and(|v| v.contains(text.as_str())) {
                return false;
            }
        }
        true
    }
}

impl Params {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, RestError> {
        let mut seen: Vec<&str> = Vec::new();
        let mut partition = None;
        let mut from_offset = None;
        let mut from_time = None;
        let mut filter = Filter::default();
        let mut limit = DEFAULT_LIMIT as usize;
        let mut cursor = None;
        for (name, value) in pairs {
            let name = name.as_str();
            if name != "header" {
                if seen.contains(&name) {
                    return Err(invalid(name, "is given more than once"));
                }
                seen.push(name);
            }
            match name {
                "partition" => {
                    partition = Some(number::<i32>(name, value)?);
                }
                "from_offset" => from_offset = Some(number::<i64>(name, value)?),
                "from_time" => from_time = Some(number::<i64>(name, value)?),
                "to_time" => filter.to_time = Some(number::<i64>(name, value)?),
                "key" => filter.key = Some(value.as_bytes().to_vec()),
                "header" => {
                    if value.is_empty() {
                        return Err(invalid(name, "needs NAME or NAME:VALUE"));
                    }
                    let (header, wanted) = match value.split_once(':') {
                        Some((header, wanted)) => (header, Some(wanted.as_bytes().to_vec())),
                        None => (value.as_str(), None),
                    };
                    filter.headers.push((header.as_bytes().to_vec(), wanted));
                }
                "contains" => {
                    if value.is_empty() {
                        return Err(invalid(name, "must not be empty"));
                    }
                    filter.contains = Some(value.clone());
                }
                "limit" => {
                    let n = number::<u32>(name, value)?;
                    if !(1..=MAX_LIMIT).contains(&n) {
                        return Err(invalid(name, &format!("must be 1 to {MAX_LIMIT}")));
                    }
                    limit = n as usize;
                }
                "cursor" => {
                    cursor = Some(Cursor::decode(value).ok_or_else(|| invalid(name, "is not a cursor this API gave"))?)
                }
                _ => {}
            }
        }
        filter.from_time = from_time;
        let start = match cursor {
            Some(cursor) => Start::Cursor(cursor),
            None => Start::Seek { partition, from_offset, from_time },
        };
        Ok(Params { start, filter, limit })
    }
}

/// A non-negative number.
fn number<T: std::str::FromStr + Default + PartialOrd>(name: &str, value: &str) -> Result<T, RestError> {
    match value.parse::<T>() {
        Ok(n) if n >= T::default() => Ok(n),
        _ => Err(invalid(name, "must be a non-negative integer")),
    }
}

fn invalid(name: &str, why: &str) -> RestError {
    RestError::Unprocessable(format!("Query parameter {name} {why}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> Result<Params, RestError> {
        let pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Params::parse(&pairs)
    }

    #[test]
    fn defaults_are_every_partition_from_the_start_and_100_records() {
        let params = parse(&[]).unwrap();
        assert_eq!(params.start, Start::Seek { partition: None, from_offset: None, from_time: None });
        assert_eq!(params.limit, 100);
        assert_eq!(params.filter, Filter::default());
    }

    #[test]
    fn every_parameter_parses() {
        let params = parse(&[
            ("partition", "1"),
            ("from_offset", "5"),
            ("from_time", "1000"),
            ("to_time", "2000"),
            ("key", "k"),
            ("header", "trace:abc:def"),
            ("header", "flag"),
            ("contains", "error"),
            ("limit", "1000"),
            ("unknown", "ignored"),
        ])
        .unwrap();
        assert_eq!(params.start, Start::Seek { partition: Some(1), from_offset: Some(5), from_time: Some(1000) });
        assert_eq!(params.limit, 1000);
        let filter = params.filter;
        assert_eq!((filter.from_time, filter.to_time), (Some(1000), Some(2000)));
        assert_eq!(filter.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(filter.headers, vec![(b"trace".to_vec(), Some(b"abc:def".to_vec())), (b"flag".to_vec(), None)]);
        assert_eq!(filter.contains.as_deref(), Some("error"));
    }

    #[test]
    fn bad_values_are_refused() {
        for query in [
            &[("limit", "0")][..],
            &[("limit", "1001")],
            &[("limit", "x")],
            &[("partition", "-1")],
            &[("from_offset", "-5")],
            &[("from_time", "1.5")],
            &[("to_time", "")],
            &[("header", "")],
            &[("contains", "")],
            &[("cursor", "not a cursor")],
            &[("key", "a"), ("key", "b")],
        ] {
            let result = parse(query);
            assert!(matches!(result, Err(RestError::Unprocessable(_))), "{query:?} gave {result:?}");
        }
    }
}

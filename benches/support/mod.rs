//! What the benchmarks share: record batches as a producer sends them.

use bytes::Bytes;
use strand::log::testing::BatchBuilder;

/// One uncompressed v2 batch of `records` records with `value_size`-byte values
/// and null keys (the library's test-support builder).
pub fn make_batch(records: usize, value_size: usize) -> Bytes {
    BatchBuilder::records(records, value_size).without_keys().build()
}

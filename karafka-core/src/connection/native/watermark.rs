//! The high watermark librdkafka last saw for a partition, without a network round trip.
//!
//! rust-rdkafka exposes only the blocking broker query; librdkafka also keeps the high watermark of
//! each fetch response, which tells whether a consumer is caught up with its partition.

use std::ffi::CStr;

use rdkafka::consumer::Consumer as _;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;

use crate::connection::KafkaConsumer;

/// The end offset of `topic`/`partition` as of librdkafka's last fetch response, if known.
pub(crate) fn cached_high_watermark(
    consumer: &KafkaConsumer,
    topic: &CStr,
    partition: i32,
) -> Option<i64> {
    let (mut low, mut high) = (0_i64, 0_i64);
    // SAFETY: the consumer (and so its `rd_kafka_t`) is borrowed for the whole call, `topic` is a
    // NUL-terminated string that outlives it, and librdkafka only writes the two out-parameters.
    // The function reads cached state under librdkafka's own locks and is thread-safe.
    let error = unsafe {
        rdkafka_sys::rd_kafka_get_watermark_offsets(
            consumer.client().native_ptr(),
            topic.as_ptr(),
            partition,
            &mut low,
            &mut high,
        )
    };
    (error == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0).then_some(high)
}

//! Layers for a producer's stack ([`ProducerStack`](super::ProducerStack)), one folder each.

mod map_record;

pub use map_record::{map_record, MapRecord, MapRecordLayer};

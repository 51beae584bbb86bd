//! The layer [`map_record`] makes of a closure.

use std::sync::Arc;

use tower::Layer;

use super::MapRecord;
use crate::producer::Record;
use crate::BoxError;

/// A producer layer of a closure that gets each record before it is enqueued and returns it
/// (changed or not), or an error that refuses it: the caller then gets
/// [`ProduceError::Rejected`](crate::producer::ProduceError::Rejected) naming the record's
/// topic, and nothing is produced.
///
/// ```
/// use karafka::producer::{map_record, Record};
/// use karafka::App;
///
/// let builder = App::builder()
///     .producer_layer(map_record(|record: Record| Ok(record.header("service", "billing"))))
///     .producer_layer(map_record(|record: Record| {
///         if record.topic().starts_with("internal.") {
///             return Err(format!("`{}` is not ours to write", record.topic()).into());
///         }
///         Ok(record)
///     }));
/// # let _ = builder;
/// ```
pub fn map_record<F>(map: F) -> MapRecordLayer<F>
where
    F: Fn(Record) -> Result<Record, BoxError> + Send + Sync + 'static,
{
    MapRecordLayer { map: Arc::new(map) }
}

/// The layer [`map_record`] makes of a closure.
pub struct MapRecordLayer<F> {
    // Shared, not cloned: every clone of the stack calls the one closure.
    map: Arc<F>,
}

impl<F> Clone for MapRecordLayer<F> {
    fn clone(&self) -> Self {
        Self {
            map: Arc::clone(&self.map),
        }
    }
}

impl<S, F> Layer<S> for MapRecordLayer<F> {
    type Service = MapRecord<S, F>;

    fn layer(&self, inner: S) -> Self::Service {
        MapRecord::new(inner, Arc::clone(&self.map))
    }
}

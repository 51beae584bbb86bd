//! A producer layer made of a closure over each record: to add headers, rewrite, or refuse.

mod layer;
mod service;

pub use layer::{map_record, MapRecordLayer};
pub use service::MapRecord;

//! Kafka I/O: the librdkafka consumer of one subscription group, the listener thread that polls
//! it, and the per-partition message streams the processing side reads from.
//!
//! Nothing here decides what happens to a message: this module implements processing's seam
//! ([`PartitionSource`](crate::processing::PartitionSource) and
//! [`Backend`](crate::processing::Backend)) on librdkafka and hands rebalances to processing's
//! partition registry.

mod commit;
mod context;
mod give_up;
mod listener;
mod native;
mod partition_stream;
mod pulse;
mod timeouts;

use std::sync::Arc;

use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaError;

use crate::messages::Origin;
use crate::processing::Backend;

use commit::commit;
pub(crate) use commit::CommitTurn;
pub(crate) use context::ListenerContext;
pub(crate) use give_up::{GiveUp, NotJoined, Reason, Refused};
pub(crate) use listener::Listener;
pub(crate) use native::set_oauth_token;
pub(crate) use partition_stream::PartitionStream;
pub(crate) use pulse::Pulse;
pub(crate) use timeouts::GroupTimeouts;

/// The librdkafka consumer of one subscription group.
pub(crate) type KafkaConsumer = BaseConsumer<ListenerContext>;

/// The librdkafka consumer is the backend of its subscription group's partitions.
impl Backend for KafkaConsumer {
    type Source = PartitionStream;
    type Error = KafkaError;

    fn source(&self, origin: Arc<Origin>) -> Option<PartitionStream> {
        // The consumer is gone only while it is being dropped, when librdkafka revokes but never
        // assigns.
        let consumer = self.context().consumer()?;
        PartitionStream::split(&consumer, origin)
    }

    fn commit_stored(&self) -> Result<(), KafkaError> {
        commit(self, None)
    }
}

//! One message of a dead-letter topic, read with the headers the dead-letter queue wrote.

use std::collections::BTreeSet;

use karafka::middleware::dead_letter_queue::headers;
use karafka::{Message, Record};

use super::REPLAYS_HEADER;

/// A message of a dead-letter topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The dead-letter topic.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// When it was written, in milliseconds since the Unix epoch.
    pub timestamp_ms: Option<i64>,
    /// Its key.
    pub key: Option<Vec<u8>>,
    /// Its payload; `None` for a tombstone or when `web.hidden_payloads` hides it.
    pub payload: Option<Vec<u8>>,
    /// Whether `web.hidden_payloads` hides its payload.
    pub hidden: bool,
    /// The topic it failed in.
    pub original_topic: Option<String>,
    /// The partition it failed in.
    pub original_partition: Option<i32>,
    /// Its offset there.
    pub original_offset: Option<i64>,
    /// The consumer group that failed it.
    pub original_consumer_group: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// How often it was replayed before it got here.
    pub replays: u32,
}

impl DeadLetter {
    /// `message` of a dead-letter topic; its payload left out when `hidden` names its topic or
    /// the topic it came from.
    pub fn from_message(message: &Message, hidden: &BTreeSet<String>) -> Self {
        let header = |name: &str| message.headers().get_str(name).map(str::to_owned);
        let original_topic = header(headers::TOPIC);
        let hide = hidden.contains(message.topic())
            || original_topic
                .as_ref()
                .is_some_and(|topic| hidden.contains(topic));
        Self {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            timestamp_ms: message.timestamp_millis(),
            key: message.key().map(<[u8]>::to_vec),
            payload: (!hide)
                .then(|| message.raw_payload().map(<[u8]>::to_vec))
                .flatten(),
            hidden: hide,
            original_partition: header(headers::PARTITION).and_then(|p| p.parse().ok()),
            original_offset: header(headers::OFFSET).and_then(|o| o.parse().ok()),
            original_consumer_group: header(headers::CONSUMER_GROUP),
            error: header(headers::ERROR),
            replays: header(REPLAYS_HEADER)
                .and_then(|count| count.parse().ok())
                .unwrap_or(0),
            original_topic,
        }
    }

    /// The record that replays `message` (this dead letter) to `origin`: its key, payload and
    /// headers, the replay counter one higher.
    pub(crate) fn replay_record(&self, origin: String, message: &Message) -> Record {
        let mut record = Record::raw(origin, message.raw_payload().map(<[u8]>::to_vec));
        if let Some(key) = message.key() {
            record = record.key(key.to_vec());
        }
        for header in message.headers().iter() {
            if header.key != REPLAYS_HEADER {
                record = record.raw_header(header.key.clone(), header.value.clone());
            }
        }
        record.header(REPLAYS_HEADER, (self.replays + 1).to_string())
    }
}

#[cfg(test)]
mod tests {
    use karafka::messages::Headers;

    use super::*;

    fn dead_letter(replays: Option<&str>) -> Message {
        let mut headers = Headers::new();
        headers.insert(headers::TOPIC, Some(b"orders".to_vec()));
        headers.insert(headers::PARTITION, Some(b"2".to_vec()));
        headers.insert(headers::OFFSET, Some(b"41".to_vec()));
        headers.insert(headers::ERROR, Some(b"card declined".to_vec()));
        if let Some(replays) = replays {
            headers.insert(REPLAYS_HEADER, Some(replays.as_bytes().to_vec()));
        }
        Message::new("orders_dlq", 0, 7, Some(b"{\"id\":1}".to_vec())).with_headers(headers)
    }

    #[test]
    fn the_headers_name_where_it_failed_and_why() {
        let letter = DeadLetter::from_message(&dead_letter(None), &BTreeSet::new());
        assert_eq!(letter.original_topic.as_deref(), Some("orders"));
        assert_eq!(
            (letter.original_partition, letter.original_offset),
            (Some(2), Some(41))
        );
        assert_eq!(letter.error.as_deref(), Some("card declined"));
        assert_eq!(letter.replays, 0);
        assert_eq!(letter.payload.as_deref(), Some(&b"{\"id\":1}"[..]));
    }

    #[test]
    fn a_hidden_source_topic_hides_the_payload() {
        let hidden = BTreeSet::from(["orders".to_owned()]);
        let letter = DeadLetter::from_message(&dead_letter(None), &hidden);
        assert!(letter.hidden);
        assert_eq!(letter.payload, None);
    }

    #[test]
    fn a_replay_counts_one_more_and_keeps_the_rest() {
        let message = dead_letter(Some("2"));
        let letter = DeadLetter::from_message(&message, &BTreeSet::new());
        assert_eq!(letter.replays, 2);
        let record = letter.replay_record("orders".into(), &message);
        let expected = Record::new("orders", b"{\"id\":1}".to_vec())
            .header(headers::TOPIC, "orders")
            .header(headers::PARTITION, "2")
            .header(headers::OFFSET, "41")
            .header(headers::ERROR, "card declined")
            .header(REPLAYS_HEADER, "3");
        assert_eq!(record, expected);
    }
}

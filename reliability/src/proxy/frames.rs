//! Which requests a client sends: the API key of each Kafka request frame in a byte stream cut
//! at arbitrary points. Enough to tell a group coordinator's connection from the others, so the
//! proxy can blackhole that one alone.

/// API keys of the requests only the group coordinator answers: OffsetCommit, OffsetFetch,
/// JoinGroup, Heartbeat, LeaveGroup, SyncGroup, TxnOffsetCommit and ConsumerGroupHeartbeat
/// (KIP-848).
const GROUP_REQUESTS: [i16; 8] = [8, 9, 11, 12, 13, 14, 28, 68];

/// Whether a request with `api_key` goes to the group coordinator.
pub fn is_group_request(api_key: i16) -> bool {
    GROUP_REQUESTS.contains(&api_key)
}

/// Reads the API keys of the request frames of one connection's client-to-broker stream: each
/// frame is a 4-byte big-endian size, then the request, which starts with its 2-byte API key.
#[derive(Debug, Default)]
pub struct RequestKeys {
    /// The bytes of the current frame's size and API key read so far (up to 6).
    head: Vec<u8>,
    /// Bytes of the current frame still to skip once its head is read.
    rest: usize,
}

impl RequestKeys {
    /// Reads `bytes`, the next part of the stream, and returns the API key of every frame whose
    /// head it completes.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<i16> {
        let mut keys = Vec::new();
        while !bytes.is_empty() {
            if self.rest > 0 {
                let skipped = self.rest.min(bytes.len());
                self.rest -= skipped;
                bytes = &bytes[skipped..];
                continue;
            }
            let wanted = (6 - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..wanted]);
            bytes = &bytes[wanted..];
            if let [s0, s1, s2, s3, k0, k1] = self.head[..] {
                let size = u32::from_be_bytes([s0, s1, s2, s3]) as usize;
                keys.push(i16::from_be_bytes([k0, k1]));
                // A frame shorter than its key is malformed; the broker closes such a
                // connection, and counting its size from here keeps the reader in step.
                self.rest = size.saturating_sub(2);
                self.head.clear();
            }
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(api_key: i16, body: usize) -> Vec<u8> {
        let size = (2 + body) as u32;
        let mut frame = size.to_be_bytes().to_vec();
        frame.extend_from_slice(&api_key.to_be_bytes());
        frame.extend(std::iter::repeat_n(0xAB, body));
        frame
    }

    #[test]
    fn group_requests_are_told_apart() {
        assert!(is_group_request(12) && is_group_request(68) && is_group_request(8));
        // Fetch, Metadata, Produce, ApiVersions, FindCoordinator.
        assert!([1, 3, 0, 18, 10].iter().all(|&key| !is_group_request(key)));
    }

    proptest! {
        #[test]
        fn every_frame_key_is_read_however_the_stream_is_cut(
            frames in proptest::collection::vec((any::<i16>(), 0usize..300), 0..20),
            cuts in proptest::collection::vec(1usize..64, 1..40),
        ) {
            let stream: Vec<u8> = frames.iter().flat_map(|&(key, body)| frame(key, body)).collect();
            let mut reader = RequestKeys::default();
            let (mut keys, mut at) = (Vec::new(), 0);
            for cut in cuts.iter().cycle() {
                if at >= stream.len() {
                    break;
                }
                let end = (at + cut).min(stream.len());
                keys.extend(reader.feed(&stream[at..end]));
                at = end;
            }
            let expected: Vec<i16> = frames.iter().map(|&(key, _)| key).collect();
            prop_assert_eq!(keys, expected);
        }
    }
}

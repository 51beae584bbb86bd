//! A TCP proxy on loopback between the subjects and a broker, which adds latency, throttles
//! bandwidth, blackholes traffic (accepts it and never answers) and cuts every connection.
//!
//! The broker advertises the proxy's port on a listener of its own (`PROXIED` in
//! `scripts/kafka-broker/secure.properties`), so a client that bootstraps through the proxy
//! also reaches the broker through it afterwards; the driver's own clients use the broker's
//! usual listener. Each connection is forwarded both ways by a reader and a writer: the reader
//! stamps each chunk with when it may leave (now plus the latency), and the writer holds it
//! until then, while a blackhole lasts and as long as the bandwidth needs, so latency delays
//! the stream without slowing it down. A blackhole holds what it accepted (as TCP retransmits
//! dropped packets) and forwards it when lifted, unless the connection was cut meanwhile.

mod frames;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use frames::{is_group_request, RequestKeys};

/// Chunks in flight per direction of a connection before the reader waits, as a socket's
/// buffer would.
const IN_FLIGHT: usize = 64;

/// What the proxy does to the traffic it forwards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conditions {
    /// How long each chunk is held before it is forwarded, both ways.
    pub latency: Duration,
    /// At most this many bytes per second per direction of a connection.
    pub bytes_per_second: Option<u64>,
    /// Which connections' traffic is held and not answered.
    pub blackhole: Option<Blackhole>,
}

impl Conditions {
    /// Whether the traffic of a connection (of the group coordinator or not) is held.
    fn holds(&self, coordinator: bool) -> bool {
        match self.blackhole {
            Some(Blackhole::Everything) => true,
            Some(Blackhole::GroupCoordinator) => coordinator,
            None => false,
        }
    }
}

/// The connections a blackhole swallows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blackhole {
    /// Every connection.
    Everything,
    /// Connections that sent a request only the group coordinator answers (librdkafka talks
    /// to the coordinator over a connection of its own), so fetches still flow.
    GroupCoordinator,
}

/// What went through the proxy so far.
#[derive(Debug, Default)]
pub struct Counts {
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// Connections that sent a group coordinator's request.
    pub coordinator_connections: AtomicUsize,
    /// Connections closed by [`Proxy::cut`].
    pub cut: AtomicUsize,
}

/// A running proxy; dropping it closes its port and every connection.
#[derive(Debug)]
pub struct Proxy {
    conditions: watch::Sender<Conditions>,
    cuts: watch::Sender<u64>,
    counts: Arc<Counts>,
    accepting: JoinHandle<()>,
}

impl Proxy {
    /// Listens on `listen` and forwards each connection to `upstream`.
    pub async fn start(listen: SocketAddr, upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let (conditions, _) = watch::channel(Conditions::default());
        let (cuts, _) = watch::channel(0);
        let counts = Arc::new(Counts::default());
        let accepting = tokio::spawn({
            let (conditions, cuts, counts) = (conditions.clone(), cuts.clone(), counts.clone());
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    counts.connections.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(serve(
                        client,
                        upstream,
                        conditions.subscribe(),
                        cuts.subscribe(),
                        Arc::clone(&counts),
                    ));
                }
            }
        });
        Ok(Self {
            conditions,
            cuts,
            counts,
            accepting,
        })
    }

    /// Applies `conditions` from now on, to open connections too.
    pub fn set(&self, conditions: Conditions) {
        self.conditions.send_replace(conditions);
    }

    /// Closes every open connection; clients reconnect.
    pub fn cut(&self) {
        self.cuts.send_modify(|cuts| *cuts += 1);
    }

    /// What went through the proxy so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut();
    }
}

/// Forwards one client connection until either side closes it or it is cut.
async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    conditions: watch::Receiver<Conditions>,
    mut cuts: watch::Receiver<u64>,
    counts: Arc<Counts>,
) {
    let Ok(broker) = TcpStream::connect(upstream).await else {
        return;
    };
    // Kafka's requests are small and latency-bound, as librdkafka's own sockets are set.
    let _ = (client.set_nodelay(true), broker.set_nodelay(true));
    let coordinator = AtomicBool::new(false);
    let ((from_client, to_client), (from_broker, to_broker)) =
        (client.into_split(), broker.into_split());
    let requests = forward(
        from_client,
        to_broker,
        Some(RequestKeys::default()),
        conditions.clone(),
        &coordinator,
        &counts,
    );
    let responses = forward(
        from_broker,
        to_client,
        None,
        conditions,
        &coordinator,
        &counts,
    );
    tokio::select! {
        // Also when the proxy is gone.
        _ = cuts.changed() => {
            counts.cut.fetch_add(1, Ordering::Relaxed);
        }
        _ = async { tokio::join!(requests, responses) } => {}
    }
}

/// Forwards one direction of a connection under the current conditions; `keys` reads the
/// client's requests to tell a coordinator's connection.
async fn forward(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut keys: Option<RequestKeys>,
    mut conditions: watch::Receiver<Conditions>,
    coordinator: &AtomicBool,
    counts: &Counts,
) {
    let (chunks, mut pending) = mpsc::channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    let latency = conditions.clone();
    let read = async move {
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(read @ 1..) = from.read(&mut buffer).await {
            let chunk = buffer[..read].to_vec();
            if let Some(keys) = keys.as_mut() {
                let group = keys.feed(&chunk).into_iter().any(is_group_request);
                if group && !coordinator.swap(true, Ordering::Relaxed) {
                    counts
                        .coordinator_connections
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
            let due = Instant::now() + latency.borrow().latency;
            if chunks.send((due, chunk)).await.is_err() {
                return;
            }
        }
        // End of stream or a read error: the writer forwards what is pending, then closes.
    };
    let write = async move {
        while let Some((due, chunk)) = pending.recv().await {
            tokio::time::sleep_until(due).await;
            let now = loop {
                let now = *conditions.borrow_and_update();
                if !now.holds(coordinator.load(Ordering::Relaxed)) {
                    break now;
                }
                if conditions.changed().await.is_err() {
                    return;
                }
            };
            if let Some(rate) = now.bytes_per_second.filter(|&rate| rate > 0) {
                let seconds = chunk.len() as f64 / rate as f64;
                tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            }
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(read, write);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that answers every read with the same bytes.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("a bound address");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buffer = [0; 1024];
                    while let Ok(read @ 1..) = socket.read(&mut buffer).await {
                        if socket.write_all(&buffer[..read]).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        address
    }

    async fn proxy() -> (Proxy, SocketAddr) {
        let listen = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listen.local_addr().expect("a bound address");
        drop(listen);
        let proxy = Proxy::start(address, echo().await).await.expect("a proxy");
        (proxy, address)
    }

    /// Sends `bytes` and waits (up to `within`) for them to come back.
    async fn round_trip(socket: &mut TcpStream, bytes: &[u8], within: Duration) -> Option<Vec<u8>> {
        socket.write_all(bytes).await.ok()?;
        let mut answer = vec![0; bytes.len()];
        tokio::time::timeout(within, socket.read_exact(&mut answer))
            .await
            .ok()?
            .ok()?;
        Some(answer)
    }

    #[tokio::test]
    async fn latency_delays_each_way_without_slowing_the_stream() {
        let (proxy, address) = proxy().await;
        proxy.set(Conditions {
            latency: Duration::from_millis(200),
            ..Conditions::default()
        });
        let mut socket = TcpStream::connect(address).await.expect("a connection");
        let started = Instant::now();
        let answer = round_trip(&mut socket, b"ping", Duration::from_secs(5)).await;
        assert_eq!(answer.as_deref(), Some(&b"ping"[..]));
        // Held 200 ms on the way there and 200 ms on the way back (a lower bound: the delay is
        // the behaviour under test, not a speed).
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(400), "{took:?}");
    }

    #[tokio::test]
    async fn a_blackhole_holds_traffic_until_lifted_and_a_cut_closes_connections() {
        let (proxy, address) = proxy().await;
        let mut socket = TcpStream::connect(address).await.expect("a connection");
        assert!(round_trip(&mut socket, b"one", Duration::from_secs(5))
            .await
            .is_some());
        proxy.set(Conditions {
            blackhole: Some(Blackhole::Everything),
            ..Conditions::default()
        });
        assert_eq!(
            round_trip(&mut socket, b"two", Duration::from_millis(300)).await,
            None
        );
        proxy.set(Conditions::default());
        // What the blackhole held arrives once lifted.
        let mut held = [0; 3];
        tokio::time::timeout(Duration::from_secs(5), socket.read_exact(&mut held))
            .await
            .expect("the held bytes within 5 s")
            .expect("the held bytes");
        assert_eq!(&held, b"two");

        proxy.cut();
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut rest)).await;
        assert!(matches!(closed, Ok(Ok(0))), "{closed:?}");
        assert_eq!(proxy.counts().cut.load(Ordering::Relaxed), 1);
        // New connections go through.
        let mut again = TcpStream::connect(address).await.expect("a connection");
        assert!(round_trip(&mut again, b"three", Duration::from_secs(5))
            .await
            .is_some());
        assert_eq!(proxy.counts().connections.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_coordinator_blackhole_holds_only_group_requests_connections() {
        let (proxy, address) = proxy().await;
        proxy.set(Conditions {
            blackhole: Some(Blackhole::GroupCoordinator),
            ..Conditions::default()
        });
        // A Fetch (key 1) passes; a Heartbeat (key 12) marks its connection and is held.
        let frame = |key: i16| [&4u32.to_be_bytes()[..], &key.to_be_bytes(), &[0, 0]].concat();
        let mut fetcher = TcpStream::connect(address).await.expect("a connection");
        assert!(round_trip(&mut fetcher, &frame(1), Duration::from_secs(5))
            .await
            .is_some());
        let mut coordinator = TcpStream::connect(address).await.expect("a connection");
        assert_eq!(
            round_trip(&mut coordinator, &frame(12), Duration::from_millis(300)).await,
            None
        );
        assert!(round_trip(&mut fetcher, &frame(1), Duration::from_secs(5))
            .await
            .is_some());
        assert_eq!(
            proxy
                .counts()
                .coordinator_connections
                .load(Ordering::Relaxed),
            1
        );
    }

    #[tokio::test]
    async fn bandwidth_is_throttled() {
        let (proxy, address) = proxy().await;
        proxy.set(Conditions {
            bytes_per_second: Some(2_000),
            ..Conditions::default()
        });
        let mut socket = TcpStream::connect(address).await.expect("a connection");
        let started = Instant::now();
        let answer = round_trip(&mut socket, &[7; 500], Duration::from_secs(10)).await;
        assert_eq!(answer.map(|a| a.len()), Some(500));
        // 500 bytes at 2,000 bytes/s, each way.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(500), "{took:?}");
    }
}

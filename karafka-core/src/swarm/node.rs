//! A swarm node's side: the server, reporting to the supervisor over the node's stdin (a socket)
//! and stopping when the supervisor is gone.

use std::io::{Read as _, Write as _};
use std::os::fd::{AsFd as _, OwnedFd};
use std::os::unix::fs::FileTypeExt as _;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::time::Duration;

use anyhow::Context as _;

use super::Report;
use crate::server::{Beside, Server, Shutdown};

/// Runs `server` as node `node` of a swarm, reporting every `interval`.
///
/// # Errors
/// When stdin is not the supervisor's socket (the node was not started by `swarm`), and as
/// [`Server::run`].
pub(crate) async fn run(
    server: Server,
    node: usize,
    interval: Duration,
) -> anyhow::Result<Shutdown> {
    let channel = supervisor_channel()?;
    tracing::info!("Swarm node {node} (pid {})", std::process::id());
    let shutdown = server
        .run_beside(move |beside| report(beside, channel, interval))
        .await?;
    Ok(shutdown)
}

/// The node's stdin as the socket the supervisor gave it.
fn supervisor_channel() -> anyhow::Result<UnixStream> {
    let stdin: OwnedFd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .context("reading the swarm node's stdin")?;
    let file = std::fs::File::from(stdin);
    let socket = file.metadata().is_ok_and(|m| m.file_type().is_socket());
    anyhow::ensure!(
        socket,
        "--swarm-node is for the nodes `swarm` starts: their stdin is the supervisor's socket"
    );
    Ok(UnixStream::from(OwnedFd::from(file)))
}

/// Reports the server's liveness every `interval` from the server's runtime (a stuck runtime
/// stops reporting), and stops the server once the supervisor's end of `channel` closes.
async fn report(beside: Beside, channel: UnixStream, interval: Duration) {
    match channel.try_clone() {
        Ok(reader) => watch_supervisor(reader, beside.clone()),
        Err(error) => tracing::warn!(%error, "cannot watch the swarm's supervisor"),
    }
    let lines = writer(channel);
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        let line = Report::from_failures(&beside.liveness_failures()).line();
        // A full channel means the last report is not written yet: a report skipped is silence,
        // which is what a supervisor that does not read should see.
        let _ = lines.try_send(line);
    }
}

/// Writes report lines on a thread of its own, so a supervisor that stops reading never blocks
/// the runtime; the thread ends when the sender is dropped.
fn writer(mut channel: UnixStream) -> SyncSender<String> {
    let (lines, received) = sync_channel::<String>(1);
    std::thread::spawn(move || {
        for line in received {
            if channel.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    });
    lines
}

/// Stops the server when the supervisor's end closes: a node outliving its supervisor would
/// consume unsupervised.
fn watch_supervisor(mut reader: UnixStream, beside: Beside) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 64];
        // The supervisor writes nothing: a read returns only at the end (or an error).
        while matches!(reader.read(&mut buffer), Ok(read) if read > 0) {}
        tracing::warn!("The swarm's supervisor is gone; stopping");
        beside.stop();
    });
}

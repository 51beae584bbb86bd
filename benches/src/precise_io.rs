//! Simulated I/O that takes exactly as long as asked.
//!
//! tokio's timer has millisecond granularity (`sleep(1 ms)` takes about 2 ms on average here),
//! which would make the I/O itself twice as slow as the scenario says. This timer thread keeps a
//! heap of deadlines and wakes each waiter within tens of microseconds of its deadline.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

struct Wait {
    deadline: Instant,
    done: oneshot::Sender<()>,
}

impl PartialEq for Wait {
    fn eq(&self, other: &Self) -> bool {
        self.deadline == other.deadline
    }
}

impl Eq for Wait {}

impl PartialOrd for Wait {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Wait {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.deadline.cmp(&other.deadline)
    }
}

fn timer() -> &'static Sender<Wait> {
    static TIMER: OnceLock<Sender<Wait>> = OnceLock::new();
    TIMER.get_or_init(|| {
        let (sender, receiver) = channel::<Wait>();
        std::thread::spawn(move || {
            let mut waits: BinaryHeap<Reverse<Wait>> = BinaryHeap::new();
            loop {
                let now = Instant::now();
                while waits
                    .peek()
                    .is_some_and(|Reverse(wait)| wait.deadline <= now)
                {
                    if let Some(Reverse(wait)) = waits.pop() {
                        let _ = wait.done.send(());
                    }
                }
                let next = match waits.peek() {
                    Some(Reverse(wait)) => receiver.recv_timeout(wait.deadline - now),
                    None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
                };
                match next {
                    Ok(wait) => waits.push(Reverse(wait)),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        });
        sender
    })
}

/// Waits `duration`, precisely, without holding a thread.
pub(crate) async fn io(duration: Duration) {
    let (done, waited) = oneshot::channel();
    let wait = Wait {
        deadline: Instant::now() + duration,
        done,
    };
    if timer().send(wait).is_ok() {
        let _ = waited.await;
    }
}

//! The signals a server process acts on, as Karafka's do: SIGINT and SIGTERM stop it gracefully
//! (a second one while it stops exits at once, when the process is the server's), SIGTSTP makes
//! it quiet, SIGTTIN logs its running jobs.

use std::future::Future;

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::plugin::ServerHandle;
use crate::RunningJob;

/// The exit code of a forced exit, as of a shutdown that timed out.
const EXIT_FORCED: i32 = 2;

/// A signal the server acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Received {
    Interrupt,
    Terminate,
    /// SIGTSTP.
    Quiet,
    /// SIGTTIN.
    Report,
}

impl Received {
    fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
            Self::Quiet => "SIGTSTP",
            Self::Report => "SIGTTIN",
        }
    }
}

/// What a SIGINT or SIGTERM does while the server already stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecondStop {
    /// Exits the process at once with code 2 (the process is the server's: [`Server::run`]).
    ///
    /// [`Server::run`]: super::Server::run
    ExitProcess,
    /// Only logs it (the process belongs to the application the server is embedded in).
    Log,
}

/// What the server does on a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Stop,
    ExitProcess,
    AlreadyStopping,
    Quiet,
    ReportJobs,
}

/// What to do on `received`, given whether the server already stops.
fn action(received: Received, stopping: bool, second: SecondStop) -> Action {
    match received {
        Received::Quiet => Action::Quiet,
        Received::Report => Action::ReportJobs,
        Received::Interrupt | Received::Terminate if !stopping => Action::Stop,
        Received::Interrupt | Received::Terminate => match second {
            SecondStop::ExitProcess => Action::ExitProcess,
            SecondStop::Log => Action::AlreadyStopping,
        },
    }
}

/// Acts on the server's signals for as long as it is polled; they are listened for from the
/// call on, so none sent after it is missed.
pub(crate) fn operate(server: ServerHandle, second: SecondStop) -> impl Future<Output = ()> {
    let signals = Signals::install();
    act(signals, server, second)
}

async fn act(mut signals: Signals, server: ServerHandle, second: SecondStop) {
    loop {
        let received = signals.next().await;
        tracing::info!("Received {}", received.name());
        let control = server.control();
        match action(received, server.is_stopping(), second) {
            Action::Stop => control.stop(),
            Action::Quiet => control.quiet(),
            Action::ReportJobs => report(&control.status().jobs),
            Action::AlreadyStopping => {
                tracing::warn!("Already stopping; waiting for the running jobs")
            }
            Action::ExitProcess => exit_at_once(&control.status().jobs),
        }
    }
}

/// Logs one line per running job: its consumer, partition, offsets, how long it has run and
/// its subscription group (with the connection's number when multiplexed).
fn report(jobs: &[RunningJob]) {
    if jobs.is_empty() {
        tracing::info!("No job is running");
    }
    for job in jobs {
        tracing::info!(
            group = %job.subscription,
            topic = %job.topic,
            partition = job.partition,
            first_offset = job.first_offset,
            last_offset = job.last_offset,
            elapsed_ms = job.started.elapsed().as_millis() as u64,
            "Running job: {job}"
        );
    }
}

/// Exits the process with code 2, naming the jobs still running.
fn exit_at_once(jobs: &[RunningJob]) -> ! {
    for job in jobs {
        tracing::error!("Exiting at once on a second signal; job still running: {job}");
    }
    if jobs.is_empty() {
        tracing::error!("Exiting at once on a second signal");
    }
    std::process::exit(EXIT_FORCED);
}

/// The streams of the signals the server acts on; one that cannot be listened for never arrives.
struct Signals {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
    quiet: Option<Signal>,
    report: Option<Signal>,
}

impl Signals {
    fn install() -> Self {
        Self {
            interrupt: listen(SignalKind::interrupt(), Received::Interrupt),
            terminate: listen(SignalKind::terminate(), Received::Terminate),
            quiet: listen(SignalKind::from_raw(libc::SIGTSTP), Received::Quiet),
            report: listen(SignalKind::from_raw(libc::SIGTTIN), Received::Report),
        }
    }

    async fn next(&mut self) -> Received {
        tokio::select! {
            () = arrival(&mut self.interrupt) => Received::Interrupt,
            () = arrival(&mut self.terminate) => Received::Terminate,
            () = arrival(&mut self.quiet) => Received::Quiet,
            () = arrival(&mut self.report) => Received::Report,
        }
    }
}

fn listen(kind: SignalKind, received: Received) -> Option<Signal> {
    signal(kind)
        .inspect_err(|error| {
            tracing::warn!(%error, "cannot listen for {}; it is not acted on", received.name());
        })
        .ok()
}

/// Resolves on the next arrival of `signal`; never for a signal not listened for.
async fn arrival(signal: &mut Option<Signal>) {
    if let Some(signal) = signal {
        if signal.recv().await.is_some() {
            return;
        }
    }
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Received; 4] = [
        Received::Interrupt,
        Received::Terminate,
        Received::Quiet,
        Received::Report,
    ];

    #[test]
    fn the_first_stop_signal_stops_and_a_second_exits_only_a_process_of_its_own() {
        for stop in [Received::Interrupt, Received::Terminate] {
            for second in [SecondStop::ExitProcess, SecondStop::Log] {
                assert_eq!(action(stop, false, second), Action::Stop);
            }
            assert_eq!(
                action(stop, true, SecondStop::ExitProcess),
                Action::ExitProcess
            );
            assert_eq!(action(stop, true, SecondStop::Log), Action::AlreadyStopping);
        }
    }

    #[test]
    fn quiet_and_report_act_whatever_the_server_does() {
        for stopping in [false, true] {
            for second in [SecondStop::ExitProcess, SecondStop::Log] {
                assert_eq!(action(Received::Quiet, stopping, second), Action::Quiet);
                assert_eq!(
                    action(Received::Report, stopping, second),
                    Action::ReportJobs
                );
            }
        }
    }

    #[test]
    fn every_signal_has_its_own_name() {
        let names: std::collections::BTreeSet<_> = ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), ALL.len());
    }
}

//! `swarm`: a supervisor process that runs the app's server in several node processes and keeps
//! them running, as Karafka's swarm mode does.
//!
//! The supervisor starts each node by running its own binary again (`server` with the same
//! filters and a hidden `--swarm-node`), never by forking a threaded process. A node's stdin is
//! one end of a socket pair the supervisor holds the other end of: the node writes a [`Report`]
//! line every `swarm.liveness_interval`, and stops gracefully when the supervisor's end closes
//! (the supervisor is gone). The supervisor kills a node that has not reported healthy within
//! `swarm.node_report_timeout`, starts a dead node again after `swarm.node_restart_timeout`
//! (doubling while it dies before its first healthy report), hands SIGINT, SIGTERM, SIGTSTP and
//! SIGTTIN on to every node, and exits with the worst node's exit code once they stopped.
//! [`supervision`] decides; [`supervisor`] runs the processes; [`node`] is a node's side.

mod node;
mod report;
mod supervision;
mod supervisor;

pub(crate) use node::run as run_node;
use report::Report;
pub(crate) use supervisor::supervise;

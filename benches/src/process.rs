//! Facts about this process the measurements report; shared with the swarm scenario's app
//! (`bin/swarm-app.rs`), a process of its own.

/// The process's peak resident memory, from `/proc/self/status`.
pub(crate) fn peak_rss_kb() -> u64 {
    peak_rss_kb_of("self").unwrap_or_default()
}

/// The peak resident memory of the process `/proc/{process}` describes (`self` or a pid), while
/// it runs: `None` once it exited.
pub(crate) fn peak_rss_kb_of(process: &str) -> Option<u64> {
    status_kb(process, "VmHWM")
}

/// A `kB` field (`VmRSS`, `VmHWM`) of `/proc/{process}/status`: `None` once it exited.
pub(crate) fn status_kb(process: &str, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{process}/status"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Microseconds since the Unix epoch: the latency scenario's send stamp, the swarm nodes' tallies.
pub(crate) fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros() as u64)
}

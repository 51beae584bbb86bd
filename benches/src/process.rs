//! Facts about this process the measurements report; shared with the swarm scenario's app
//! (`bin/swarm-app.rs`), a process of its own.

/// The process's peak resident memory, from `/proc/self/status`.
pub(crate) fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or_default()
}

/// Microseconds since the Unix epoch: the latency scenario's send stamp, the swarm nodes' tallies.
pub(crate) fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros() as u64)
}

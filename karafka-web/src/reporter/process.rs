//! Who this process is: host, pid, start, resident memory.

use crate::commands::now_millis;

/// This process, as its reports name it.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) id: String,
    pub(crate) host: String,
    pub(crate) pid: u32,
    pub(crate) started_at: u64,
}

impl Identity {
    /// This process, started now.
    pub(crate) fn current() -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown-host".to_owned());
        let pid = std::process::id();
        let started_at = now_millis();
        Self {
            id: format!("{host}:{pid}:{started_at}"),
            host,
            pid,
            started_at,
        }
    }
}

/// Resident memory in bytes, from `/proc/self/statm` (0 where there is none).
pub(crate) fn rss_bytes() -> u64 {
    /// The page size of every Linux platform karafka builds for but a few; statm counts pages.
    const PAGE: u64 = 4096;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_names_host_and_pid() {
        let identity = Identity::current();
        assert!(identity.id.starts_with(&identity.host));
        assert!(identity.id.contains(&format!(":{}:", std::process::id())));
        if cfg!(target_os = "linux") {
            assert!(rss_bytes() > 0, "a running process has resident memory");
        }
    }
}

//! Child processes run to completion with what they cost: their CPU time and peak RSS, from the
//! kernel's accounting of the reaped process (`wait4`), so a JVM is measured like a Rust child.

#![allow(unsafe_code)]

use std::io::{self, Read as _};
use std::os::unix::process::ExitStatusExt as _;
use std::process::{Command, ExitStatus, Output, Stdio};

/// What a child process used, over its whole life (and that of any children it reaped).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// User plus system CPU time.
    pub(crate) cpu_seconds: f64,
    /// Peak resident memory.
    pub(crate) peak_rss_kb: u64,
}

/// Runs `command` to completion like [`Command::output`], and also returns its [`Usage`].
pub(crate) fn output(command: &mut Command) -> io::Result<(Output, Usage)> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Both pipes are drained while the child runs: a child blocked on a full pipe never exits.
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut buffer = Vec::new();
            pipe.read_to_end(&mut buffer).map(|_| buffer)
        })
    });
    let mut stdout = Vec::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_end(&mut stdout)?;
    }
    let stderr = match stderr {
        Some(reader) => reader
            .join()
            .map_err(|_| io::Error::other("reading a child's stderr panicked"))??,
        None => Vec::new(),
    };
    let (status, usage) = wait(child.id())?;
    // `child` is reaped: dropping a `std::process::Child` neither waits nor kills.
    drop(child);
    Ok((
        Output {
            status,
            stdout,
            stderr,
        },
        usage,
    ))
}

/// Reaps the child `pid`, returning how it ended and its usage.
fn wait(pid: u32) -> io::Result<(ExitStatus, Usage)> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    let mut status = 0;
    // SAFETY: `rusage` is plain old data, for which all zeroes is a valid value.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `rusage` are valid, writable and live for the call; `pid` is a
        // child of this process that nothing else waits for (its `Child` is never waited on).
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if reaped == pid {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    Ok((
        ExitStatus::from_raw(status),
        Usage {
            cpu_seconds: seconds(rusage.ru_utime) + seconds(rusage.ru_stime),
            // Linux reports it in kilobytes.
            peak_rss_kb: u64::try_from(rusage.ru_maxrss).unwrap_or_default(),
        },
    ))
}

//! Child processes run to completion with what they cost: their CPU time, from the kernel's
//! accounting of the reaped process (`wait4`), and their peak RSS, so a JVM is measured like a
//! Rust child.

#![allow(unsafe_code)]

use std::io::{self, Read as _};
use std::os::unix::process::ExitStatusExt as _;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::process::peak_rss_kb_of;

/// How often the child's peak RSS is read while it runs.
const RSS_SAMPLING: Duration = Duration::from_millis(20);

/// What a child process used, over its whole life (and that of any children it reaped).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// User plus system CPU time.
    pub(crate) cpu_seconds: f64,
    /// Peak resident memory, as last read while it ran (every [`RSS_SAMPLING`]): `wait4`'s
    /// `ru_maxrss` will not do, as it also counts the memory of this process, which the child
    /// shared until its `exec`.
    pub(crate) peak_rss_kb: u64,
}

/// Runs `command` to completion like [`Command::output`], and also returns its [`Usage`].
pub(crate) fn output(command: &mut Command) -> io::Result<(Output, Usage)> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let running = Arc::clone(&running);
        std::thread::spawn(move || {
            let mut peak = 0;
            while running.load(Ordering::Acquire) {
                // The high-water mark only grows: the last reading is the peak so far.
                peak = peak_rss_kb_of(&pid.to_string()).unwrap_or(peak);
                std::thread::sleep(RSS_SAMPLING);
            }
            peak
        })
    };
    let piped = read_to_end(&mut child);
    // Stopped before the child is reaped, so its pid cannot have been reused meanwhile.
    running.store(false, Ordering::Release);
    let peak_rss_kb = sampler
        .join()
        .map_err(|_| io::Error::other("sampling a child's RSS panicked"))?;
    let (stdout, stderr) = piped?;
    let (status, cpu_seconds) = wait(pid)?;
    // `child` is reaped: dropping a `std::process::Child` neither waits nor kills.
    drop(child);
    Ok((
        Output {
            status,
            stdout,
            stderr,
        },
        Usage {
            cpu_seconds,
            peak_rss_kb,
        },
    ))
}

/// Reads the child's stdout and stderr until it closes them. Both are drained at once: a child
/// blocked on a full pipe never exits.
fn read_to_end(child: &mut Child) -> io::Result<(Vec<u8>, Vec<u8>)> {
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
    Ok((stdout, stderr))
}

/// Reaps the child `pid`, returning how it ended and the CPU time it used.
fn wait(pid: u32) -> io::Result<(ExitStatus, f64)> {
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
        seconds(rusage.ru_utime) + seconds(rusage.ru_stime),
    ))
}

//! Background processes for tests: each runs in its own process group with stdout and stderr
//! in a kept log directory; dropping the guard kills the group, and a panicking test gets the
//! log directory's path and the tail of each log printed.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;

use super::{wait_until, SHUTDOWN_TIMEOUT};

/// Lines of each log printed when a test fails.
const LOG_TAIL_LINES: usize = 40;

/// Sends `signal` (e.g. "TERM", "KILL") to a process, or with `group` to its process group.
pub(crate) fn send_signal(pid: u32, signal: &str, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    // A process that already exited makes `kill` fail: that is fine here.
    let _ = Command::new("kill")
        .args(["-s", signal, "--", &target])
        .stderr(Stdio::null())
        .status();
}

/// The last `lines` lines of a file, or a note saying why there are none.
fn tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read: {e})"),
    }
}

/// Reads a pipe to its end on a thread, so a chatty child never blocks on a full pipe.
pub(crate) fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// A child process in its own process group, logging into a kept directory. Dropping it
/// kills the whole group; if the test is panicking it also prints where the logs are and
/// their last lines.
pub struct BackgroundProcess {
    name: String,
    child: Child,
    log_dir: PathBuf,
    exit_status: Option<ExitStatus>,
}

impl BackgroundProcess {
    /// Spawns `command` with stdout and stderr going to `<log_dir>/stdout.log` and
    /// `<log_dir>/stderr.log`.
    pub fn spawn(name: &str, mut command: Command, log_dir: PathBuf) -> Self {
        use std::os::unix::process::CommandExt;
        let stdout = fs::File::create(log_dir.join("stdout.log")).expect("create stdout.log");
        let stderr = fs::File::create(log_dir.join("stderr.log")).expect("create stderr.log");
        let child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        BackgroundProcess {
            name: name.to_string(),
            child,
            log_dir,
            exit_status: None,
        }
    }

    /// The name it is reported under (e.g. `yakt-node-1`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory holding this process's logs.
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// The operating-system process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Panics with the log tails if the process has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("poll the process") {
            self.exit_status = Some(status);
            // Drop prints the log tails while this panic unwinds.
            panic!("{} exited early with {status}", self.name);
        }
    }

    /// Sends SIGTERM and waits for the exit status; panics if it takes longer than
    /// [`SHUTDOWN_TIMEOUT`].
    pub fn terminate(&mut self) -> ExitStatus {
        if let Some(status) = self.exit_status {
            return status;
        }
        send_signal(self.child.id(), "TERM", false);
        let mut status = None;
        wait_until(
            &format!("{} to exit after SIGTERM", self.name),
            SHUTDOWN_TIMEOUT,
            || {
                status = self.child.try_wait().expect("poll the process");
                status.is_some()
            },
        );
        self.exit_status = status;
        status.expect("exit status after wait_until")
    }

    /// kill -9 of the process, reaped: its exit is not a clean one.
    pub fn kill_9(&mut self) {
        send_signal(self.child.id(), "KILL", false);
        let status = self.child.wait().expect("reap the killed process");
        self.exit_status = Some(status);
        assert!(
            !status.success(),
            "{} exited cleanly after kill -9",
            self.name
        );
    }

    /// The last lines of every file in the log directory.
    pub fn log_tails(&self) -> String {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.log_dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter(|path| path.is_file())
            .map(|path| format!("--- {}\n{}\n", path.display(), tail(path, LOG_TAIL_LINES)))
            .collect()
    }
}

impl Drop for BackgroundProcess {
    fn drop(&mut self) {
        if self.exit_status.is_none() {
            send_signal(self.child.id(), "KILL", true);
            let _ = self.child.wait();
        }
        if thread::panicking() {
            eprintln!(
                "{} logs are kept in {}\n{}",
                self.name,
                self.log_dir.display(),
                self.log_tails()
            );
        }
    }
}

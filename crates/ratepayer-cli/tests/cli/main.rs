//! Integration tests that drive the built `ratepayer` binary: every
//! subcommand's table and `--json` output, exit code 1 with a clear message
//! on domain errors, exit code 2 on usage errors, and nothing written on bad
//! input. Inputs are the built-in profiles in `examples/profiles/`.

mod autopay;
mod back_office;
mod bill;
mod bill_electric;
mod bill_generation;
mod bill_money;
mod bill_reads;
mod bill_run;
mod calendar;
mod demo;
mod fee;
mod password;
mod profile;
mod usage;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed or not started).
    pub code: i32,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl Run {
    /// The stdout as JSON (Null when it is not JSON, so asserts fail clearly).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or(serde_json::Value::Null)
    }
}

/// Runs `ratepayer ARGS` with `stdin` and waits for it.
pub fn ratepayer_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_ratepayer"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return Run {
            code: -1,
            stdout: String::new(),
            stderr: "could not start the binary".into(),
        };
    };
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin);
    }
    match child.wait_with_output() {
        Ok(out) => Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        Err(e) => Run {
            code: -1,
            stdout: String::new(),
            stderr: e.to_string(),
        },
    }
}

/// Runs `ratepayer ARGS` with an empty stdin.
pub fn ratepayer(args: &[&str]) -> Run {
    ratepayer_with_stdin(args, b"")
}

/// Path of a built-in profile's TOML file, `examples/profiles/NAME.toml`.
pub fn profile(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/profiles")
        .join(format!("{name}.toml"))
        .display()
        .to_string()
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "cli-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Writes `text` to `dir/name` and gives its path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    let _ = std::fs::write(&path, text);
    path.display().to_string()
}

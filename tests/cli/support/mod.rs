//! The test harness: runs the real binary, hermetically, and checks every
//! run's output for the test secrets.

#![allow(dead_code)]

pub mod client;
pub mod listener;
pub mod receiver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Every secret any test uses. No stdout, stderr or log may contain one.
pub const SECRETS: &[&str] = &[
    "whsec_test_secret",
    "s3cr3t-K3y",
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
    "whsec_rotated_2",
    "staging-only-secret",
];
pub const SECRET: &str = "whsec_test_secret";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_techrar-hooks")
}

/// A command line for the binary with no TECHRAR_* variables from the outside.
pub struct Th {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

pub fn th<I, S>(args: I) -> Th
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(bin());
    cmd.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TECHRAR_") {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("NO_COLOR").env("TERM", "dumb");
    Th { cmd, stdin: None }
}

impl Th {
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn run(mut self) -> Run {
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = self.cmd.spawn().expect("the binary starts");
        if let Some(bytes) = self.stdin.take() {
            let mut pipe = child.stdin.take().unwrap();
            // a command may exit before reading all of it; that is its business
            let _ = pipe.write_all(&bytes);
        }
        let output = child.wait_with_output().expect("the binary runs");
        let run = Run::from(output);
        assert_no_secret(&run.stdout, "stdout");
        assert_no_secret(&run.stderr, "stderr");
        assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
        run
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    /// An error run: exactly one line on stderr, starting `error:`.
    #[track_caller]
    pub fn one_line_error(&self, needle: &str) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one stderr line:\n{}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        self.stderr_has(needle)
    }

    /// stdout as JSON lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

#[track_caller]
pub fn assert_no_secret(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "a secret appeared in {what}:\n{text}");
    }
}

/// Checks a file (a log, say) for the test secrets.
#[track_caller]
pub fn assert_file_has_no_secret(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert_no_secret(&String::from_utf8_lossy(&bytes), &path.display().to_string());
}

/// A temp dir with helpers to write files into it.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

/// The default-scheme signature, computed by the library under test's own core.
pub fn sign(secret: &str, body: &[u8]) -> String {
    use techrar_hooks::core::{secret::Secret, signature::Scheme};
    Scheme::DEFAULT.sign(&Secret::new(secret).unwrap(), body)
}

/// A raw HTTP/1.1 capture with CRLF line ends and a correct Content-Length.
pub fn raw_capture(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut text = format!("POST {path} HTTP/1.1\r\nHost: merchant.example\r\nContent-Type: application/json\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

pub const ENVELOPE: &[u8] = br#"{"app_id":123,"timestamp":1640000000,"event":"subscription.created","data":{}}"#;

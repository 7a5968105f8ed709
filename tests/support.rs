//! A small fluent builder that runs the real `kaohe` binary in a temporary folder, and the one
//! rule for tests that need a tool beyond the Rust toolchain (Chromium, LibreOffice, fonts).

use std::path::PathBuf;
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Kaohe {
    args: Vec<String>,
    envs: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub dir: PathBuf,
    _keep: tempfile::TempDir,
}

impl Kaohe {
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            envs: Vec::new(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    pub fn arg(mut self, a: impl AsRef<str>) -> Self {
        self.args.push(a.as_ref().to_string());
        self
    }
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, a: I) -> Self {
        for x in a {
            self.args.push(x.as_ref().to_string());
        }
        self
    }
    /// A path inside the repository, as an absolute path argument.
    pub fn repo_arg(self, rel: &str) -> Self {
        let p = repo().join(rel);
        self.arg(p.display().to_string())
    }
    /// A file in the temporary folder before the run.
    pub fn with_file(self, rel: &str, bytes: &[u8]) -> Self {
        std::fs::write(self.dir.path().join(rel), bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
        self
    }
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.envs.push((k.into(), v.into()));
        self
    }
    pub fn run(self) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        cmd.args(&self.args).current_dir(self.dir.path());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        let out = output_within(cmd, RUN_LIMIT);
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            dir: self.dir.path().to_path_buf(),
            _keep: self.dir,
        }
    }
}

impl Kaohe {
    /// Run with nobody reading stdout: the pipe is closed before the command writes its first
    /// line, as `kaohe … | head -1` closes it after the first. `stdout` is empty.
    pub fn run_without_reader(self) -> Run {
        use std::process::Stdio;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        cmd.args(&self.args)
            .current_dir(self.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run kaohe");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for kaohe");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            dir: self.dir.path().to_path_buf(),
            _keep: self.dir,
        }
    }
}

/// The longest one run of kaohe in a test may take: a run that hangs (a pipe opened without a
/// writer, a device read forever) is killed and fails its test instead of holding up CI until
/// its time limit. Debug builds on a loaded 2-core machine take minutes for the largest runs.
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(900);

/// `cmd.output()`, but the child is killed and the test fails once `limit` has passed.
pub fn output_within(mut cmd: Command, limit: std::time::Duration) -> std::process::Output {
    use std::io::Read as _;
    use std::process::Stdio;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run kaohe");
    let pipe = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = pipe(child.stdout.take().map(|r| Box::new(r) as _));
    let err = pipe(child.stderr.take().map(|r| Box::new(r) as _));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for kaohe") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!(
                "kaohe {:?} did not end within {} s and was killed; stderr:\n{}",
                cmd.get_args().collect::<Vec<_>>(),
                limit.as_secs(),
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

impl Run {
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }
}

/// Whether a test whose tool is missing must fail instead of skipping: in CI (`CI=true`, as
/// `.ci/run` runs) or with `KAOHE_REQUIRE_TOOLS=1` (which `.ci/run` also sets).
pub fn tools_required() -> bool {
    let set = |k: &str, yes: &[&str]| {
        std::env::var(k).is_ok_and(|v| yes.iter().any(|y| v.trim().eq_ignore_ascii_case(y)))
    };
    set("CI", &["true", "1"]) || set("KAOHE_REQUIRE_TOOLS", &["1", "true", "yes"])
}

/// A tool a test needs, `found` or not. Missing in CI: the test panics, naming the tool and the
/// Debian package that provides it. Missing elsewhere: prints `skipping: …` and returns `None`,
/// so the test returns early.
pub fn tool<T>(found: Option<T>, tool: &str, package: &str) -> Option<T> {
    if found.is_none() {
        missing(tool, package, "skipping");
    }
    found
}

/// Reports a missing tool: panics in CI (see [`tools_required`]); elsewhere prints
/// `{instead}: {tool} not installed (apt-get install {package})` and lets the test go on
/// without it (skipping, or checking less).
pub fn missing(tool: &str, package: &str, instead: &str) {
    if tools_required() {
        panic!(
            "{tool} is not installed, and CI requires it (CI=true or KAOHE_REQUIRE_TOOLS=1): \
             install the Debian package `{package}` (apt-get install {package}; .ci/run does)"
        );
    }
    eprintln!("{instead}: {tool} not installed (apt-get install {package})");
}

/// Headless Chromium: `$KAOHE_CHROMIUM`, else `/usr/bin/chromium`, else `chromium` on `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KAOHE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let fixed = std::path::Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
}

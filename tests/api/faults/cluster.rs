//! A private PostgreSQL server for one fault test: its own data directory
//! in a temporary directory and its own port, so that it can be stopped,
//! restarted, copied into a standby and promoted without disturbing the
//! shared server the other tests use. Stopped (immediately) when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::skips::{Suite, skip};

/// Where the PostgreSQL server programs are: `HESHENG_TEST_PG_BIN`, else
/// the directory `pg_config --bindir` names, else Debian's place for 15.
fn bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("HESHENG_TEST_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    [from_pg_config, Some(PathBuf::from("/usr/lib/postgresql/15/bin"))]
        .into_iter()
        .flatten()
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
}

/// The user the server runs as: PostgreSQL refuses to run as root, so a
/// root test runs it as `postgres` (and a test that needs file permissions
/// to hold runs Hesheng as that user too).
pub fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

/// One private server (or a standby of another).
pub struct Cluster {
    bin: PathBuf,
    user: Option<(u32, u32)>,
    _dir: tempfile::TempDir,
    data: PathBuf,
    log: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// A new, running server; `None` (a skip of the `pg` suite, a failure
    /// where it is required) when the server programs are missing.
    pub fn start_new() -> Option<Cluster> {
        let Some(bin) = bin_dir() else {
            skip(Suite::Pg, "the PostgreSQL server programs (initdb, pg_ctl) are not installed");
            return None;
        };
        let cluster = Cluster::empty(bin, server_user());
        cluster.run(
            "initdb",
            &["-D", path(&cluster.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"],
        );
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             fsync = off\nwal_level = replica\nmax_wal_senders = 4\nwal_keep_size = '256MB'\n\
             hot_standby = on\nmax_connections = 60\nshared_buffers = '32MB'\n",
            cluster.port,
            path(cluster.data.parent().expect("temp dir")),
        );
        append(&cluster.data.join("postgresql.conf"), &conf);
        cluster.start();
        Some(cluster)
    }

    fn empty(bin: PathBuf, user: Option<(u32, u32)>) -> Cluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let log = dir.path().join("server.log");
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("hand the directory to postgres");
        }
        Cluster { bin, user, data, log, port: free_port(), _dir: dir }
    }

    /// A streaming standby of `self`, copied with `pg_basebackup` and
    /// running on a port of its own.
    pub fn standby(&self) -> Cluster {
        let standby = Cluster::empty(self.bin.clone(), self.user);
        let source = format!("host=127.0.0.1 port={} user=postgres", self.port);
        standby.run("pg_basebackup", &["-D", path(&standby.data), "-d", &source, "-R", "-X", "stream", "--no-sync"]);
        append(&standby.data.join("postgresql.conf"), &format!("port = {}\n", standby.port));
        standby.start();
        standby
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Starts the server and waits until it takes connections.
    pub fn start(&self) {
        self.pg_ctl(&["start", "-w", "-t", "60", "-l", path(&self.log)]);
    }

    /// Stops the server as an operator's restart does: connections are
    /// ended, a checkpoint written (and streamed to a standby).
    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-w", "-m", "fast"]);
    }

    /// Makes a standby the primary.
    pub fn promote(&self) {
        self.pg_ctl(&["promote", "-w"]);
    }

    fn pg_ctl(&self, args: &[&str]) {
        let mut all = vec!["-D", path(&self.data)];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    /// Runs one of the server programs as the server's user; its failure
    /// fails the test with the program's output and the server's log.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let mut command = Command::new(self.bin.join(program));
        command.args(args).current_dir(self.data.parent().expect("temp dir"));
        if let Some((uid, gid)) = self.user {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid).env("HOME", self.data.parent().expect("temp dir"));
        }
        let out = command.output().unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut command = Command::new(self.bin.join("pg_ctl"));
        command.args(["-D", path(&self.data), "stop", "-m", "immediate"]);
        if let Some((uid, gid)) = self.user {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid);
        }
        let _ = command.output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn append(file: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(file).expect("open the configuration");
    f.write_all(text.as_bytes()).expect("write the configuration");
}

/// A port nobody listens on just now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

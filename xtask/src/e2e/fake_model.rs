//! The fake model server (`xtask/e2e/fake_model.py`) and a small HTTP client for local servers.

use super::process::{kill_tree, own_process_group, read_lossy};
use super::report::{indent, tail, truncate};
use super::{QUICK, REPLY};
use serde_json::Value;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(super) struct Server {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts the server on a port it picks and reports in a file; it answers every model API
    /// with [`REPLY`] and logs each request to `scratch/requests.jsonl`.
    pub fn start(script: &Path, scratch: &Path) -> Result<Server, String> {
        let log = scratch.join("requests.jsonl");
        let port_file = scratch.join("server.port");
        let server_log = fs::File::create(scratch.join("logs/server.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .arg("--log")
            .arg(&log)
            .arg("--port-file")
            .arg(&port_file)
            .args(["--reply", REPLY, "--idle-exit", "900"])
            .stdin(Stdio::null())
            .stdout(server_log.try_clone().map_err(|e| e.to_string())?)
            .stderr(server_log);
        // Not the command a Ctrl-C kills: it stops by itself once this process is gone.
        own_process_group(&mut cmd);
        let child = cmd.spawn().map_err(|e| format!("cannot start python3 {}: {e}", script.display()))?;
        let mut server = Server { child, port: 0, log };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(port) = fs::read_to_string(&port_file).ok().and_then(|p| p.trim().parse().ok()) {
                server.port = port;
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = read_lossy(&scratch.join("logs/server.log"));
                return Err(format!("the fake model server exited ({status})\n{}", indent(&tail(&log, 12))));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("the fake model server did not report its port within 15 s".into())
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Value> {
        read_lossy(&self.log).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// A mark in the request log; [`Server::since`] returns what came after it.
    pub fn mark(&self) -> usize {
        self.requests().len()
    }

    pub fn since(&self, mark: usize) -> Vec<Value> {
        self.requests().into_iter().skip(mark).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            kill_tree(&mut self.child);
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub(super) fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One HTTP/1.1 request to 127.0.0.1 (`Connection: close`) with an optional JSON body; the JSON
/// of a 2xx answer.
pub(super) fn http_json(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let what = format!("{method} {path}");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("{what}: {e}"))?;
    let _ = stream.set_read_timeout(Some(QUICK));
    let _ = stream.set_write_timeout(Some(QUICK));
    let body = body.map(Value::to_string);
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    if method != "GET" {
        let body = body.as_deref().unwrap_or_default();
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.as_deref().unwrap_or_default());
    stream.write_all(request.as_bytes()).map_err(|e| format!("{what}: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("{what}: {e}"))?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or(format!("{what}: no HTTP answer"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut content = raw[split + 4..].to_vec();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    if head.lines().any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked")) {
        content = dechunk(&content).ok_or(format!("{what}: bad chunked body"))?;
    }
    let text = String::from_utf8_lossy(&content);
    if !(200..300).contains(&status) {
        return Err(format!("{what}: HTTP {status}: {}", truncate(text.trim(), 300)));
    }
    serde_json::from_str(&text).map_err(|e| format!("{what}: {e}: {}", truncate(text.trim(), 300)))
}

/// The body of a `Transfer-Encoding: chunked` answer.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&raw[..end]).ok()?.split(';').next()?.trim().to_string();
        let size = usize::from_str_radix(&size, 16).ok()?;
        raw = &raw[end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk(b"4\r\nWiki\r\n5;x=1\r\npedia\r\n0\r\n\r\n").as_deref(), Some(&b"Wikipedia"[..]));
        assert_eq!(dechunk(b"0\r\n\r\n").as_deref(), Some(&b""[..]));
        assert!(dechunk(b"4\r\nWi").is_none());
        assert!(dechunk(b"zz\r\n").is_none());
    }
}

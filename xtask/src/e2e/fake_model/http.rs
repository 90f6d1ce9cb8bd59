//! A little HTTP/1.1: reading one request off a connection (the fake model server), and one JSON
//! request to a local server (Kimi's `kimi web`).

use crate::e2e::QUICK;
use crate::e2e::report::truncate;
use serde_json::Value;
use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// Largest request body the server reads.
const MAX_BODY: usize = 64 << 20;

/// One request as the server read it.
pub(super) struct Request {
    pub method: String,
    /// The target, with its query string.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Reads the next request of a connection: None at its end. Answers `Expect: 100-continue`.
pub(super) fn read_request(
    reader: &mut impl BufRead,
    writer: &mut impl Write,
) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    // Blank lines between requests are allowed (RFC 9112 §2.2).
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m.to_string(), t.to_string()),
        _ => return Err(std::io::Error::other(format!("bad request line {line:?}"))),
    };
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("connection closed in the headers"));
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut request = Request { method, target, headers, body: Vec::new() };
    if request.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    if request.header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = line.trim().split(';').next().unwrap_or_default().trim().to_string();
            let size =
                usize::from_str_radix(&size, 16).map_err(|_| std::io::Error::other("bad chunk size"))?;
            if size == 0 {
                // Trailers, up to the blank line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            if request.body.len() + size > MAX_BODY {
                return Err(std::io::Error::other("request body too large"));
            }
            let at = request.body.len();
            request.body.resize(at + size, 0);
            reader.read_exact(&mut request.body[at..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length.parse().map_err(|_| std::io::Error::other("bad Content-Length"))?;
        if length > MAX_BODY {
            return Err(std::io::Error::other("request body too large"));
        }
        request.body.resize(length, 0);
        reader.read_exact(&mut request.body)?;
    }
    Ok(Some(request))
}

/// A port on 127.0.0.1 that was free a moment ago.
pub(in crate::e2e) fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One HTTP/1.1 request to 127.0.0.1 (`Connection: close`) with an optional JSON body; the JSON
/// of a 2xx answer.
pub(in crate::e2e) fn http_json(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
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

    #[test]
    fn requests_are_read_one_after_another() {
        let raw = b"POST /a HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n{}\
            POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        let mut reader = std::io::BufReader::new(&raw[..]);
        let mut written = Vec::new();
        let a = read_request(&mut reader, &mut written).unwrap().unwrap();
        assert_eq!((a.method.as_str(), a.target.as_str(), a.body.as_slice()), ("POST", "/a", &b"{}"[..]));
        assert!(written.starts_with(b"HTTP/1.1 100 Continue"));
        let b = read_request(&mut reader, &mut written).unwrap().unwrap();
        assert_eq!((b.target.as_str(), b.body.as_slice()), ("/b", &b"abc"[..]));
        assert!(read_request(&mut reader, &mut written).unwrap().is_none());
    }
}

//! The fake model server: one in-process HTTP server standing in for every model API the hosts
//! speak (see [`apis`]), recording each request, and able to answer a conversation's first turn
//! with a tool call (see [`Act`]) so that a real client runs a tool, a hook or an MCP server.
//!
//! Each host talks to it under a base path of its own, `/k/<key>/…` (see [`Server::url_for`]):
//! the key tells whose request it is, so hosts may run side by side, each with its own act.
//! Every request is kept (and appended to `scratch/requests.jsonl` for a post-mortem) as
//! `{"t", "key", "method", "path", "headers", "body"}`, the body parsed when it is JSON; each tool
//! call it makes is kept as `{"t", "key", "fake_tool_call": {"api", "name", "args"}}`. A request
//! is recorded before it is answered, so a client that got its answer has been recorded.

mod apis;
mod http;
mod plan;

pub(super) use http::{free_port, http_json};
pub(super) use plan::Act;

use super::REPLY;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fs;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(super) struct Server {
    pub port: u16,
    state: Arc<State>,
}

struct State {
    records: Mutex<Vec<Value>>,
    log: Mutex<Option<fs::File>>,
    /// The act of each key that has one.
    acts: Mutex<HashMap<String, Act>>,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Server {
    /// Starts the server on a free port of 127.0.0.1, logging to `scratch/requests.jsonl`.
    pub fn start(scratch: &Path) -> Result<Server, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("fake model server: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let log = fs::File::create(scratch.join("requests.jsonl")).ok();
        let state = Arc::new(State {
            records: Mutex::default(),
            log: Mutex::new(log),
            acts: Mutex::default(),
            stop: AtomicBool::new(false),
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Ok(Server { port, state })
    }

    /// The base URL of requests recorded under `key` (letters, digits, `-`).
    pub fn url_for(&self, key: &str) -> String {
        format!("http://127.0.0.1:{}/k/{key}", self.port)
    }

    /// Answer the first turn of `key`'s conversations with `act` (None: always the reply).
    pub fn act(&self, key: &str, act: Option<Act>) {
        let mut acts = lock(&self.state.acts);
        match act {
            Some(act) => acts.insert(key.to_string(), act),
            None => acts.remove(key),
        };
    }

    /// What was recorded under `key`, from the `from`-th of its records on.
    pub fn records(&self, key: &str, from: usize) -> Vec<Value> {
        lock(&self.state.records).iter().filter(|r| r["key"] == key).skip(from).cloned().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl State {
    fn record(&self, entry: Value) {
        if let Some(log) = lock(&self.log).as_mut() {
            let _ = writeln!(log, "{entry}");
        }
        lock(&self.records).push(entry);
    }
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or_default()
}

/// `/k/<key>/rest` → (`key`, `/rest`); any other path has the empty key.
fn split_key(target: &str) -> (&str, &str) {
    if let Some(rest) = target.strip_prefix("/k/") {
        let end = rest.find('/').unwrap_or(rest.len());
        return (&rest[..end], if end == rest.len() { "/" } else { &rest[end..] });
    }
    ("", target)
}

/// Answers the requests of one connection until the client closes it.
fn serve(stream: TcpStream, state: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(600)));
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = http::read_request(&mut reader, &mut writer) {
        let (key, target) = split_key(&request.target);
        let path = target.split('?').next().unwrap_or_default();
        let body: Value = match serde_json::from_slice(&request.body) {
            Ok(v) => v,
            Err(_) if request.body.is_empty() => Value::Null,
            Err(_) => json!(String::from_utf8_lossy(&request.body)),
        };
        let headers: serde_json::Map<String, Value> =
            request.headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        state.record(json!({"t": now(), "key": key, "method": request.method, "path": target,
            "headers": headers, "body": body}));
        let act = lock(&state.acts).get(key).cloned();
        let answer = apis::route(&request.method, path, &body, REPLY, act.as_ref());
        if let Some((api, call)) = &answer.call {
            state.record(json!({"t": now(), "key": key,
                "fake_tool_call": {"api": api.name(), "name": call.name, "args": call.args}}));
        }
        let close = request.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let mut head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nrequest-id: req_fake\r\n\
             x-request-id: req_fake\r\nConnection: {}\r\n",
            answer.content_type,
            answer.bytes.len(),
            if close { "close" } else { "keep-alive" }
        );
        if answer.content_type == "text/event-stream" {
            head.push_str("Cache-Control: no-cache\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if request.method != "HEAD" {
            out.extend_from_slice(&answer.bytes);
        }
        if writer.write_all(&out).and_then(|()| writer.flush()).is_err() || close {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn keys_are_split_off() {
        assert_eq!(
            split_key("/k/claude-universal/v1/messages?beta=true"),
            ("claude-universal", "/v1/messages?beta=true")
        );
        assert_eq!(split_key("/k/x"), ("x", "/"));
        assert_eq!(split_key("/v1/messages"), ("", "/v1/messages"));
    }

    #[test]
    fn a_request_is_recorded_under_its_key_and_answered() {
        let dir = std::env::temp_dir().join(format!("skillwright-fake-model-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let server = Server::start(&dir).unwrap();
        server.act("h", Some(Act::Shell("touch m".into())));
        let body =
            json!({"stream": false, "tools": [{"function": {"name": "bash", "parameters": {}}}]}).to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        write!(
            stream,
            "POST /k/h/v1/chat/completions HTTP/1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.contains("\"tool_calls\""), "{answer}");
        let records = server.records("h", 0);
        assert_eq!(records.len(), 2);
        assert_eq!(
            (records[0]["path"].as_str(), records[0]["body"]["stream"].as_bool()),
            (Some("/v1/chat/completions"), Some(false))
        );
        assert_eq!(records[1]["fake_tool_call"]["args"], json!({"command": "touch m"}));
        assert!(server.records("other", 0).is_empty());
        drop(server);
        let _ = fs::remove_dir_all(&dir);
    }
}

//! A local stand-in for the email provider (Resend's format, `POST /emails`): it keeps what it
//! receives in memory and lists it at `GET /messages`, for `cargo xtask dev`'s outbox and for tests.
//! `POST /_control` with `{"fail_percent": 30, "fail_status": 500}` makes it refuse a share of
//! requests; `DELETE /messages` forgets everything.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::Result;

#[derive(Default)]
struct Inner {
    messages: Vec<Value>,
    requests: u64,
    refused: u64,
    fail_percent: u64,
    fail_status: u16,
}

/// A running sink; it serves until the process ends.
#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
}

impl Sink {
    /// Starts the sink on `port` (0: any free port) in background threads.
    pub fn start(port: u16) -> Result<Sink> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let sink = Sink {
            port: listener.local_addr()?.port(),
            inner: Arc::new(Mutex::new(Inner {
                fail_status: 500,
                ..Inner::default()
            })),
        };
        let s = sink.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = s.serve(stream);
                });
            }
        });
        Ok(sink)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Refuse `percent` of the provider requests with `status` from now on.
    pub fn fail(&self, percent: u64, status: u16) {
        let mut i = self.inner.lock().expect("sink lock");
        i.fail_percent = percent.min(100);
        i.fail_status = status;
    }

    /// Every accepted message so far.
    pub fn messages(&self) -> Vec<Value> {
        self.inner.lock().expect("sink lock").messages.clone()
    }

    /// (provider requests received, refused on purpose).
    pub fn counts(&self) -> (u64, u64) {
        let i = self.inner.lock().expect("sink lock");
        (i.requests, i.refused)
    }

    fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut headers = serde_json::Map::new();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
                if k == "content-length" {
                    length = v.parse().unwrap_or(0);
                }
                headers.insert(k, Value::String(v));
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        let (status, answer) = self.answer(&method, &path, &headers, &body);
        let mut out = stream;
        write!(
            out,
            "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            if status < 400 { "OK" } else { "Error" },
            answer.len()
        )?;
        out.flush()
    }

    fn answer(
        &self,
        method: &str,
        path: &str,
        headers: &serde_json::Map<String, Value>,
        body: &[u8],
    ) -> (u16, String) {
        let mut i = self.inner.lock().expect("sink lock");
        match (method, path) {
            ("GET", "/messages") => (200, Value::Array(i.messages.clone()).to_string()),
            ("DELETE", "/messages") => {
                i.messages.clear();
                (200, "{}".into())
            }
            ("POST", "/_control") => {
                let v: Value = serde_json::from_slice(body).unwrap_or_default();
                i.fail_percent = v["fail_percent"].as_u64().unwrap_or(0).min(100);
                i.fail_status = v["fail_status"].as_u64().unwrap_or(500) as u16;
                (200, "{}".into())
            }
            ("POST", "/emails") => {
                i.requests += 1;
                let n = i.requests;
                // A fixed pattern rather than randomness: the same share fails on every run.
                if (n * 37) % 100 < i.fail_percent {
                    i.refused += 1;
                    let status = i.fail_status;
                    return (
                        status,
                        json!({"name": "sink_refused", "statusCode": status}).to_string(),
                    );
                }
                let Ok(mut v) = serde_json::from_slice::<Value>(body) else {
                    return (
                        422,
                        r#"{"name":"validation_error","message":"invalid JSON"}"#.into(),
                    );
                };
                if v["to"].as_array().is_none_or(|a| a.is_empty()) || v["subject"].is_null() {
                    return (
                        422,
                        r#"{"name":"validation_error","message":"to and subject are required"}"#
                            .into(),
                    );
                }
                let id = format!("sink-{n}");
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                v["id"] = json!(id);
                v["received_at_ms"] = json!(now);
                v["idempotency_key"] = headers
                    .get("idempotency-key")
                    .cloned()
                    .unwrap_or(Value::Null);
                v["authorization"] = json!(headers.contains_key("authorization"));
                i.messages.push(v);
                (200, json!({ "id": id }).to_string())
            }
            _ => (404, r#"{"name":"not_found"}"#.into()),
        }
    }
}

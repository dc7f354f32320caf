//! A host product page on another origin than the worker (the realistic cross-origin embed): a
//! tiny std::net HTTP server whose responses tests set per path, with any headers (a strict CSP)
//! and any body (garbage JSON, a Statuspage summary).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};

type Routes = Arc<Mutex<HashMap<String, (u16, String, Vec<(String, String)>, String)>>>;

pub struct Host {
    pub base: String,
    routes: Routes,
}

/// The one host server of this test run, started on first use.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the host server");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let routes: Routes = Arc::default();
        let served = routes.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = served.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                            break;
                        }
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/");
                    let path = path.split('?').next().unwrap_or("/").to_owned();
                    let found = routes.lock().unwrap().get(&path).cloned();
                    let (status, ctype, headers, body) = found.unwrap_or((
                        404,
                        "text/plain".into(),
                        vec![],
                        "not found".into(),
                    ));
                    let mut head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\ncache-control: no-store\r\naccess-control-allow-origin: *\r\nconnection: close\r\n",
                        body.len()
                    );
                    for (k, v) in headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    let mut out = &stream;
                    let _ = out.write_all(head.as_bytes());
                    let _ = out.write_all(body.as_bytes());
                });
            }
        });
        Host { base, routes }
    })
}

impl Host {
    /// Serves `body` at `path` from now on.
    pub fn put(&self, path: &str, status: u16, ctype: &str, headers: &[(&str, &str)], body: &str) {
        let headers = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.routes.lock().unwrap().insert(
            path.to_owned(),
            (status, ctype.to_owned(), headers, body.to_owned()),
        );
    }

    /// Serves an HTML page at `path` and returns its URL.
    pub fn page(&self, path: &str, headers: &[(&str, &str)], html: &str) -> String {
        self.put(path, 200, "text/html; charset=utf-8", headers, html);
        format!("{}{path}", self.base)
    }
}

//! Live sockets against the real runtime: a reader's socket receives what an admin POST changed,
//! a socket only ever carries its own token's view, tokens that run out close their sockets, a
//! full page refuses new sockets (its readers poll), and a console's socket follows the version.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use tungstenite::{Message, WebSocket};

use crate::fixtures::{unix_now, Env};

pub const TESTS: &[crate::Test] = crate::tests![
    a_reader_socket_receives_what_an_admin_post_changed,
    a_segment_a_socket_never_receives_a_segment_b_item,
    an_expired_token_closes_its_socket_and_is_refused_at_opening,
    a_full_page_refuses_new_sockets_with_503,
    a_console_socket_presents_its_key_and_follows_the_version,
    a_plain_get_is_told_to_upgrade,
];

/// How long a test waits for a pushed message (an upper bound, not a measurement).
const WAIT: Duration = Duration::from_secs(10);

/// A client socket with a read timeout, so waiting for a message never hangs a test.
pub struct Live {
    ws: WebSocket<TcpStream>,
}

/// Why a socket did not open: the HTTP status of the refusal.
#[derive(Debug)]
pub struct Refused(pub u16);

impl Live {
    pub fn open(env: &Env, path: &str) -> Result<Live, Refused> {
        let host = env.base.trim_start_matches("http://").to_owned();
        let stream = TcpStream::connect(&host).expect("connect to the worker");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("read timeout");
        match tungstenite::client(format!("ws://{host}{path}"), stream) {
            Ok((ws, _)) => Ok(Live { ws }),
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(resp))) => {
                Err(Refused(resp.status().as_u16()))
            }
            Err(e) => panic!("opening {path}: {e}"),
        }
    }

    /// The next text message within `within`; `Err(code)` when the server closed the socket.
    pub fn next(&mut self, within: Duration) -> Result<Option<Value>, Option<u16>> {
        let end = Instant::now() + within;
        while Instant::now() < end {
            match self.ws.read() {
                Ok(Message::Text(t)) => {
                    return Ok(Some(
                        serde_json::from_str(t.as_str()).expect("a JSON message"),
                    ))
                }
                Ok(Message::Close(frame)) => return Err(frame.map(|f| u16::from(f.code))),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return Err(None)
                }
                Err(e) => panic!("reading a live socket: {e}"),
            }
        }
        Ok(None)
    }

    /// The next message, which must come within `WAIT`.
    pub fn expect(&mut self, what: &str) -> Value {
        match self.next(WAIT) {
            Ok(Some(m)) => m,
            Ok(None) => panic!("no message within {WAIT:?}: {what}"),
            Err(code) => panic!("socket closed ({code:?}) waiting for {what}"),
        }
    }

    /// Messages until one satisfies `done`; every message on the way is handed to `seen` too.
    pub fn until(
        &mut self,
        what: &str,
        mut seen: impl FnMut(&Value),
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        loop {
            let m = self.expect(what);
            seen(&m);
            if done(&m) {
                return m;
            }
        }
    }

    pub fn send(&mut self, text: &str) {
        self.ws
            .send(Message::text(text))
            .expect("send on a live socket");
    }
}

fn title(m: &Value) -> Option<&str> {
    m["banner"]["item"]["title"].as_str()
}

fn a_reader_socket_receives_what_an_admin_post_changed(env: &Env) {
    let page = env.page("live");
    let mut live = Live::open(env, &format!("/v1/pages/{page}/live")).expect("socket opens");
    let first = live.expect("the view at opening");
    assert!(first["banner"]["item"].is_null(), "{first}");
    let summary = first["summary"].as_str().expect("a summary tag").to_owned();
    let incident = env.open_incident(&page, "Checkout errors", "major");
    let opened = live.until("the new incident", |_| {}, |m| title(m).is_some());
    assert_eq!(title(&opened), Some("Checkout errors"));
    assert_ne!(
        opened["summary"],
        summary.as_str(),
        "the summary tag changes with it"
    );
    // the banner pushed is the banner served
    let served: Value = env
        .get(&format!("/v1/pages/{page}/banner.json"), &[])
        .json();
    assert_eq!(opened["banner"], served);
    let r = env.post_update(
        &page,
        &incident,
        "identified",
        "A bad deploy; rolling back.",
    );
    assert_eq!(r.status, 201, "{r:?}");
    let updated = live.until(
        "the update",
        |_| {},
        |m| m["banner"]["item"]["status"] == "identified",
    );
    assert_eq!(
        updated["banner"]["item"]["body"],
        "A bad deploy; rolling back."
    );
}

/// A page with audiences `plan:a` and `plan:b` and a token for one of them.
fn audience_page(env: &Env) -> (String, String) {
    let page = env.page("live-aud");
    let settings = r#"{"name":"Live audiences","components":[{"id":"api","name":"API"}],"audiences":[{"segment":"plan:a","name":"A"},{"segment":"plan:b","name":"B"}]}"#;
    let r = env.admin("PUT", &format!("/v1/admin/pages/{page}"), settings);
    assert_eq!(r.status, 200, "{r:?}");
    let secret = env.widget_secret(&page);
    (page, secret)
}

fn token(page: &str, secret: &str, segments: &[&str], exp: i64) -> String {
    herald_shared::token::sign(
        &herald_shared::token::AudienceClaims {
            page: page.to_owned(),
            segments: segments.iter().map(|s| s.to_string()).collect(),
            exp,
            nbf: None,
            iat: Some(unix_now()),
            sub: None,
        },
        secret.as_bytes(),
    )
}

fn open_for(env: &Env, page: &str, segment: &str, title: &str) {
    let body = serde_json::json!({"title": title, "impact": "critical", "body": format!("{title}."),
        "visibility": {"segments": [segment]}});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
}

fn a_segment_a_socket_never_receives_a_segment_b_item(env: &Env) {
    let (page, secret) = audience_page(env);
    let a = token(&page, &secret, &["plan:a"], unix_now() + 600);
    let mut seg_a = Live::open(env, &format!("/v1/pages/{page}/live?token={a}")).expect("A opens");
    let mut public = Live::open(env, &format!("/v1/pages/{page}/live")).expect("public opens");
    seg_a.expect("A's view at opening");
    public.expect("the public view at opening");
    open_for(env, &page, "plan:b", "Only for B");
    open_for(env, &page, "plan:a", "Only for A");
    // A public incident last: every socket gets a message after it, so nothing is still on its way.
    env.open_incident(&page, "For everyone", "minor");
    let never = |who: &str, banned: &'static [&'static str]| {
        let who = who.to_owned();
        move |m: &Value| {
            let text = m.to_string();
            for b in banned {
                assert!(!text.contains(b), "{who} received {b:?}: {text}");
            }
        }
    };
    let got_a = seg_a.until(
        "A's incident",
        never("the plan:a socket", &["Only for B"]),
        |m| title(m) == Some("Only for A"),
    );
    assert_eq!(got_a["banner"]["item"]["impact"], "critical");
    // A's item outranks the public one, so A's view stays as it was: the summary tag moves on.
    seg_a.until(
        "the public incident in A's summary",
        never("the plan:a socket", &["Only for B"]),
        |m| m["summary"] != got_a["summary"],
    );
    public.until(
        "the public incident",
        never("the public socket", &["Only for B", "Only for A"]),
        |m| title(m) == Some("For everyone"),
    );
}

fn an_expired_token_closes_its_socket_and_is_refused_at_opening(env: &Env) {
    let (page, secret) = audience_page(env);
    let gone = token(&page, &secret, &["plan:a"], unix_now() - 3600);
    let refused = Live::open(env, &format!("/v1/pages/{page}/live?token={gone}")).err();
    assert_eq!(refused.map(|r| r.0), Some(401));
    let forged = token(&page, "not-the-secret", &["plan:a"], unix_now() + 600);
    let refused = Live::open(env, &format!("/v1/pages/{page}/live?token={forged}")).err();
    assert_eq!(refused.map(|r| r.0), Some(401));
    let exp = unix_now() + 600;
    let short = token(&page, &secret, &["plan:a"], exp);
    let mut live = Live::open(env, &format!("/v1/pages/{page}/live?token={short}")).expect("opens");
    live.expect("the view at opening");
    // Time moves past the token's expiry (the development clock), then the page changes.
    let clock = crate::scorecard::Clock::new(env, &page);
    let after = exp + herald_shared::token::LEEWAY_SECS + 1;
    clock.set(time::OffsetDateTime::from_unix_timestamp(after).expect("a time"));
    open_for(env, &page, "plan:a", "After expiry");
    let closed = loop {
        match live.next(WAIT) {
            Ok(Some(m)) => assert_ne!(title(&m), Some("After expiry"), "sent after expiry"),
            Ok(None) => panic!("the socket stayed open after its token expired"),
            Err(code) => break code,
        }
    };
    assert_eq!(closed, Some(herald_shared::live::CLOSE_EXPIRED));
}

fn a_full_page_refuses_new_sockets_with_503(_env: &Env) {
    let beside = Env::start_beside("live", &[("HERALD_LIVE_MAX_SOCKETS", "2")])
        .expect("a worker with room for two sockets");
    let page = beside.page("full");
    let path = format!("/v1/pages/{page}/live");
    let mut open: Vec<Live> = (0..2)
        .map(|_| Live::open(&beside, &path).expect("within the limit"))
        .collect();
    let refused = Live::open(&beside, &path)
        .err()
        .expect("a third is refused");
    assert_eq!(refused.0, 503);
    // the refusal says what to do: poll, and try again later
    let plain = beside.send("GET", &path, None, None, &[("upgrade", "websocket")]);
    assert_eq!(plain.status, 503, "{plain:?}");
    assert!(plain.header("retry-after").is_some(), "{plain:?}");
    assert_eq!(
        plain.json()["type"]
            .as_str()
            .map(|t| t.ends_with("live-full")),
        Some(true)
    );
    // the ones open still work
    beside.open_incident(&page, "Still pushed", "minor");
    for live in &mut open {
        live.expect("the view at opening");
        live.until("the incident", |_| {}, |m| title(m) == Some("Still pushed"));
    }
}

fn a_console_socket_presents_its_key_and_follows_the_version(env: &Env) {
    let page = env.page("live-console");
    let path = format!("/v1/admin/pages/{page}/live");
    let mut wrong = Live::open(env, &path).expect("opens");
    wrong.send("hk_nobody_nothing");
    assert_eq!(
        wrong.next(WAIT).err(),
        Some(Some(herald_shared::live::CLOSE_UNAUTHORIZED))
    );
    let mut console = Live::open(env, &path).expect("opens");
    console.send(&env.key);
    let first = console.expect("the version after the key")["version"]
        .as_u64()
        .expect("a version");
    env.open_incident(&page, "Console sees it", "minor");
    let next = console.until(
        "a newer version",
        |_| {},
        |m| m["version"].as_u64() > Some(first),
    );
    assert!(
        next.get("banner").is_none(),
        "a console socket carries no document: {next}"
    );
}

fn a_plain_get_is_told_to_upgrade(env: &Env) {
    let page = env.page("live-plain");
    env.get(&format!("/v1/pages/{page}/live"), &[]).problem(426);
    let missing = Live::open(env, "/v1/pages/no-such-page/live").err();
    assert_eq!(missing.map(|r| r.0), Some(404));
}

pub const BROWSER_TESTS: &[crate::Test] = crate::tests![
    a_widget_shows_a_pushed_update_that_no_poll_explains_and_falls_back_when_its_socket_dies,
    the_status_page_swaps_in_a_pushed_change_without_a_reload_and_says_so,
];

/// How many live sockets the page object of `page` holds now (a development endpoint).
fn sockets(env: &Env, page: &str) -> u64 {
    env.get(&format!("/_dev/live/{page}"), &[])
        .json()
        .as_u64()
        .expect("a count")
}

fn banner_requests(browser: &xtask::webdriver::Browser) -> u64 {
    browser
        .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('banner.json')).length", vec![])
        .as_u64()
        .unwrap_or(0)
}

fn a_widget_shows_a_pushed_update_that_no_poll_explains_and_falls_back_when_its_socket_dies(
    env: &Env,
) {
    let page = env.page("live-widget");
    let id = env.open_incident(&page, "Payments are slow", "major");
    let browser = env.browser();
    // The host asks for an hour between polls: only the socket can bring a change sooner.
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>host</title><link rel=\"icon\" href=\"data:,\"></head>\
         <body><p>Host product</p><script src=\"{base}/widget.js\" data-page=\"{page}\" data-endpoint=\"{base}\" data-poll-floor=\"3600\" async></script></body></html>",
        base = env.base
    );
    let url = crate::host::host().page(&format!("/live-{page}.html"), &[], &html);
    browser.goto(&url);
    crate::fixtures::eventually("the banner", WAIT, || {
        browser
            .banner_text()
            .filter(|t| t.contains("Payments are slow"))
    });
    crate::fixtures::eventually("the widget's socket", WAIT, || {
        (sockets(env, &page) >= 1).then_some(())
    });
    let polls = banner_requests(browser);
    let posted = Instant::now();
    let r = env.post_update(
        &page,
        &id,
        "identified",
        "A queue is backed up; draining it.",
    );
    assert_eq!(r.status, 201, "{r:?}");
    crate::fixtures::eventually("the pushed update", WAIT, || {
        browser.banner_text().filter(|t| t.contains("draining it"))
    });
    // Printed, not asserted: timing is the benchmark's (`cargo xtask bench live`).
    eprintln!(
        "  pushed update shown {} ms after the POST",
        posted.elapsed().as_millis()
    );
    assert_eq!(
        banner_requests(browser),
        polls,
        "no poll explains the change"
    );

    // The socket dies: the widget polls at once, then opens a new socket.
    let closed = env.send("POST", &format!("/_dev/live/{page}"), None, None, &[]);
    assert_eq!(closed.status, 200, "{closed:?}");
    crate::fixtures::eventually("a poll after the socket died", WAIT, || {
        (banner_requests(browser) > polls).then_some(())
    });
    crate::fixtures::eventually("a new socket", WAIT, || {
        (sockets(env, &page) >= 1).then_some(())
    });
    let polls = banner_requests(browser);
    let r = env.post_update(&page, &id, "monitoring", "Drained; watching the queue.");
    assert_eq!(r.status, 201, "{r:?}");
    crate::fixtures::eventually("the update on the new socket", WAIT, || {
        browser
            .banner_text()
            .filter(|t| t.contains("watching the queue"))
    });
    assert_eq!(banner_requests(browser), polls, "pushed again, not polled");
}

fn the_status_page_swaps_in_a_pushed_change_without_a_reload_and_says_so(env: &Env) {
    let page = env.page("live-status");
    let browser = env.browser();
    browser.goto(&format!("{}/{page}", env.base));
    crate::fixtures::eventually("the page's socket", WAIT, || {
        (sockets(env, &page) >= 1).then_some(())
    });
    // Survives only if the page is not loaded again.
    browser.eval("window.heraldMark = 'same page'; document.getElementById('subscribe-email') && (document.getElementById('subscribe-email').value = 'half-typed@example.com');", vec![]);
    env.open_incident(&page, "Logins are failing", "critical");
    crate::fixtures::eventually("the incident on the page", WAIT, || {
        browser
            .eval(
                "return document.getElementById('main').textContent.includes('Logins are failing')",
                vec![],
            )
            .as_bool()
            .filter(|shown| *shown)
    });
    assert_eq!(
        browser.eval("return window.heraldMark", vec![]),
        "same page"
    );
    let overall = browser.eval(
        "return document.getElementById('overall-title').textContent",
        vec![],
    );
    assert_ne!(
        overall, "All Systems Operational",
        "the overall status changed"
    );
    let note = browser.eval(
        "return document.getElementById('live-note').textContent",
        vec![],
    );
    assert!(
        note.as_str()
            .is_some_and(|n| n.starts_with("Status updated")),
        "announced politely: {note}"
    );
    // The subscribe form is not among what is swapped: what was typed stays.
    let typed = browser.eval(
        "const e = document.getElementById('subscribe-email'); return e ? e.value : 'no field';",
        vec![],
    );
    assert!(
        typed == "half-typed@example.com" || typed == "no field",
        "{typed}"
    );
    let errors: Vec<_> = browser
        .console()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors (CSP?): {errors:?}");
}

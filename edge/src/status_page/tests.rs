//! The status page rendered from states built through `apply`: snapshots of a quiet and a busy day,
//! escaping of hostile text, and the structure an HTML5 parser (html5ever) finds in the document.

use expect_test::{expect, Expect};
use herald_shared::model::*;
use herald_shared::testkit::{hours, mins, NOW};
use herald_shared::*;
use scraper::{Html, Selector};

use super::render as render_with;

/// The page with no uptime known (no bars).
fn render(state: &State, now: Timestamp, base: &str) -> String {
    render_with(state, now, base, &Default::default())
}

const BASE: &str = "https://status.acme.com";

fn days(n: i64) -> time::Duration {
    time::Duration::days(n)
}

/// The page as the status page shows it: unlike testkit's page, it has a time zone, a component
/// that appears only when degraded and no public URL of its own (the base URL is the argument).
fn page() -> Page {
    let mut p = Page::new("acme", "Acme");
    p.groups = vec![
        ComponentGroup {
            id: "core".into(),
            name: "Core".into(),
            description: None,
        },
        ComponentGroup {
            id: "europe".into(),
            name: "Europe".into(),
            description: Some("Frankfurt and Dublin".into()),
        },
    ];
    p.components = vec![
        Component::new("api", "API").in_group("core"),
        Component::new("billing", "Billing"),
        Component::new("dashboard", "Dashboard").in_group("core"),
        Component::new("eu-west", "EU West").in_group("europe"),
        Component {
            only_show_if_degraded: true,
            ..Component::new("legacy", "Legacy export")
        },
    ];
    p.audiences = vec![Audience {
        segment: "plan:enterprise".into(),
        name: "Enterprise".into(),
    }];
    p.time_zone = "Europe/Berlin".into();
    p
}

/// The state after `steps` (testkit's `run`, without the events).
fn run(state: State, steps: Vec<(Command, Timestamp)>) -> State {
    herald_shared::testkit::run(&state, steps).0
}

fn open(id: &str, title: &str, impact: Impact, components: &[&str]) -> Command {
    Command::OpenIncident(OpenIncident {
        id: id.into(),
        update_id: format!("{id}-u1"),
        title: title.into(),
        impact,
        body: "We are investigating reports of errors.".into(),
        components: components.iter().map(|c| (*c).into()).collect(),
        ..OpenIncident::default()
    })
}

fn post(id: &str, n: u32, status: IncidentStatus, body: &str, next: Option<Timestamp>) -> Command {
    Command::PostUpdate(PostUpdate {
        incident_id: id.into(),
        update_id: format!("{id}-u{n}"),
        status,
        body: body.into(),
        next_update_at: next,
        ..PostUpdate::default()
    })
}

fn resolve(id: &str, body: &str) -> Command {
    Command::Resolve(Resolve {
        incident_id: id.into(),
        update_id: format!("{id}-resolved"),
        body: body.into(),
        silent: false,
        no_social: false,
    })
}

fn schedule(id: &str, title: &str, from: Timestamp, hours_long: i64) -> Command {
    Command::ScheduleMaintenance(ScheduleMaintenance {
        id: id.into(),
        update_id: format!("{id}-u1"),
        title: title.into(),
        body: "Writes pause for up to 5 minutes.".into(),
        components: vec!["api".into()],
        scheduled_for: from,
        scheduled_until: from + hours(hours_long),
        reminders: None,
        visibility: Visibility::Public,
        override_reason: None,
        silent: false,
        no_social: false,
    })
}

fn quiet() -> State {
    State::new(page())
}

/// An active critical incident with three updates, an enterprise-only incident, maintenance in
/// progress and upcoming, a notice, an incident resolved 3 days ago and one resolved 20 days ago.
fn busy() -> State {
    run(
        quiet(),
        vec![
            (
                open("old-20d", "Slow logins", Impact::Minor, &["dashboard"]),
                NOW - days(20) - hours(1),
            ),
            (resolve("old-20d", "Logins are fast again."), NOW - days(20)),
            (
                schedule("network", "Network maintenance", NOW + hours(48), 2),
                NOW - hours(80),
            ),
            (
                schedule("db-upgrade", "Database upgrade", NOW - hours(1), 2),
                NOW - hours(73),
            ),
            (
                Command::UpdateMaintenance(UpdateMaintenance {
                    maintenance_id: "db-upgrade".into(),
                    update_id: "db-upgrade-u2".into(),
                    status: MaintenanceStatus::InProgress,
                    body: "The upgrade has started.".into(),
                    silent: false,
                }),
                NOW - hours(1),
            ),
            (
                open("old-3d", "Delayed invoices", Impact::Minor, &["billing"]),
                NOW - days(3) - hours(2),
            ),
            (
                resolve("old-3d", "All delayed invoices were sent."),
                NOW - days(3),
            ),
            (
                Command::PublishNotice(PublishNotice {
                    id: "rate-limits".into(),
                    kind: NoticeKind::ServiceUpdate,
                    title: "New API rate limits".into(),
                    body: "From then on, the API allows 100 requests per second per key.".into(),
                    effective_at: NOW + hours(72),
                    components: vec!["api".into()],
                    visibility: Visibility::Public,
                    requires_ack: false,
                    override_reason: None,
                    silent: false,
                }),
                NOW - hours(24),
            ),
            (
                open(
                    "inc-1",
                    "API requests failing",
                    Impact::Critical,
                    &["api", "eu-west"],
                ),
                NOW - mins(50),
            ),
            (
                post(
                    "inc-1",
                    2,
                    IncidentStatus::Identified,
                    "A configuration change broke request routing.\nWe are rolling it back.",
                    Some(NOW - mins(10)),
                ),
                NOW - mins(30),
            ),
            (
                post(
                    "inc-1",
                    3,
                    IncidentStatus::Monitoring,
                    "The rollback is complete; error rates are back to normal.",
                    Some(NOW + mins(20)),
                ),
                NOW - mins(10),
            ),
            (
                Command::OpenIncident(OpenIncident {
                    visibility: Visibility::Segments(vec!["plan:enterprise".into()]),
                    ..match open(
                        "ent-1",
                        "Enterprise SSO private outage",
                        Impact::Major,
                        &["dashboard"],
                    ) {
                        Command::OpenIncident(o) => o,
                        _ => unreachable!(),
                    }
                }),
                NOW - mins(5),
            ),
        ],
    )
}

/// The document with the stylesheet's text left out, so snapshots show markup only.
fn without_style(html: &str) -> String {
    let start = html.find("<style>").expect("a style element") + "<style>".len();
    let end = html.find("</style>").expect("a closed style element");
    format!("{}…{}", &html[..start], &html[end..])
}

fn check(state: &State, want: Expect) {
    let html = render(state, NOW, BASE);
    assert_structure(&html);
    want.assert_eq(&without_style(&html));
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("selector {s}: {e:?}"))
}

fn texts(doc: &Html, s: &str) -> Vec<String> {
    doc.select(&sel(s))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attr(doc: &Html, s: &str, name: &str) -> Option<String> {
    doc.select(&sel(s))
        .next()
        .and_then(|e| e.value().attr(name))
        .map(str::to_owned)
}

/// What every rendered page promises: no parse errors, one h1, the landmarks, headings in order,
/// machine-readable times, the meta tags and the feed and subscription links.
#[track_caller]
fn assert_structure(html: &str) -> Html {
    let doc = Html::parse_document(html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    assert!(html.starts_with("<!DOCTYPE html>"), "standards mode");
    assert!(attr(&doc, "html", "lang").is_some_and(|l| !l.is_empty()));
    assert_eq!(doc.select(&sel("h1")).count(), 1, "a single h1");
    for landmark in ["body > header", "body > main", "body > footer"] {
        assert_eq!(doc.select(&sel(landmark)).count(), 1, "{landmark}");
    }
    let levels: Vec<u8> = doc
        .select(&sel("h1, h2, h3, h4, h5, h6"))
        .map(|h| h.value().name()[1..].parse().unwrap())
        .collect();
    assert_eq!(levels.first(), Some(&1), "the h1 comes first: {levels:?}");
    for pair in levels.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1,
            "a heading level skipped: {levels:?}"
        );
    }
    let times: Vec<_> = doc.select(&sel("time")).collect();
    assert!(!times.is_empty());
    for t in times {
        let at = t.value().attr("datetime").expect("time has datetime");
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("datetime {at}: {e}"));
        assert!(t.text().collect::<String>().ends_with(" UTC"), "UTC label");
    }
    for name in [
        "viewport",
        "description",
        "twitter:card",
        "color-scheme",
        "robots",
    ] {
        assert!(
            attr(&doc, &format!("meta[name='{name}']"), "content").is_some(),
            "meta {name}"
        );
    }
    for property in ["og:title", "og:description", "og:url", "og:type"] {
        assert!(
            attr(&doc, &format!("meta[property='{property}']"), "content").is_some(),
            "meta {property}"
        );
    }
    let canonical = attr(&doc, "link[rel=canonical]", "href").expect("canonical");
    assert_eq!(
        attr(&doc, "meta[property='og:url']", "content"),
        Some(canonical.clone())
    );
    assert_eq!(
        attr(
            &doc,
            "link[rel=alternate][type='application/atom+xml']",
            "href"
        ),
        Some(format!("{canonical}/feed.atom"))
    );
    assert_eq!(
        attr(&doc, "link[rel=alternate][type='text/calendar']", "href"),
        Some(format!("{canonical}/maintenance.ics"))
    );
    assert!(
        doc.select(&sel("a[href]"))
            .any(|a| a.value().attr("href") == Some(&format!("{canonical}#subscribe"))),
        "a link to the subscribe form"
    );
    let form = doc
        .select(&sel("form[method=post]"))
        .next()
        .expect("subscribe form");
    assert!(form
        .value()
        .attr("action")
        .is_some_and(|a| a.ends_with("/subscriptions") && a.contains("/v1/pages/")));
    let email = attr(&doc, "form input[type=email][name=email]", "id").expect("email field");
    assert_eq!(
        doc.select(&sel(&format!("label[for='{email}']"))).count(),
        1,
        "the email field has a label"
    );
    doc
}

#[test]
fn quiet_day() {
    check(
        &quiet(),
        expect![[r##"
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>Acme status</title>
            <meta name="description" content="Acme: All Systems Operational. Live status of Acme&#39;s services, incidents and scheduled maintenance.">
            <meta name="robots" content="index, follow">
            <link rel="canonical" href="https://status.acme.com/acme">
            <meta property="og:type" content="website">
            <meta property="og:site_name" content="Acme status">
            <meta property="og:title" content="Acme status: All Systems Operational">
            <meta property="og:description" content="Acme: All Systems Operational. Live status of Acme&#39;s services, incidents and scheduled maintenance.">
            <meta property="og:url" content="https://status.acme.com/acme">
            <meta name="twitter:card" content="summary">
            <meta name="twitter:title" content="Acme status: All Systems Operational">
            <meta name="twitter:description" content="Acme: All Systems Operational. Live status of Acme&#39;s services, incidents and scheduled maintenance.">
            <style>…</style>
            <link rel="alternate" type="application/atom+xml" title="Acme incidents (Atom)" href="https://status.acme.com/acme/feed.atom">
            <link rel="alternate" type="text/calendar" title="Acme maintenance (iCalendar)" href="https://status.acme.com/acme/maintenance.ics">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="site">
            <div class="wrap">
            <h1>Acme status</h1>
            <nav aria-label="Stay informed">
            <ul class="links">
            <li><a href="https://status.acme.com/acme#subscribe">Subscribe to updates</a></li>
            <li><a href="https://status.acme.com/acme/feed.atom">Incident feed (Atom)</a></li>
            <li><a href="https://status.acme.com/acme/maintenance.ics">Maintenance calendar (iCal)</a></li>
            </ul>
            </nav>
            </div>
            </header>
            <main id="main" class="wrap">
            <section class="overall s-ok" aria-labelledby="overall-title" data-live>
            <h2 id="overall-title"><span class="dot" aria-hidden="true"></span>All Systems Operational</h2>
            <p>As of <time datetime="2026-03-01T12:00:00Z">2026-03-01 12:00 UTC</time>. No active incidents.</p>
            </section>
            <section aria-labelledby="components-title" data-live>
            <h2 id="components-title">Components</h2>
            <ul class="components">
            <li class="group">
            <h3 class="component"><span class="name">Core</span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></h3>
            <ul>
            <li class="component"><span class="name">API</span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></li>
            <li class="component"><span class="name">Dashboard</span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></li>
            </ul>
            </li>
            <li class="component"><span class="name">Billing</span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></li>
            <li class="group">
            <h3 class="component"><span class="name">Europe <span class="desc">Frankfurt and Dublin</span></span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></h3>
            <ul>
            <li class="component"><span class="name">EU West</span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></li>
            </ul>
            </li>
            </ul>
            </section>
            <section aria-labelledby="history-title" data-live>
            <h2 id="history-title">Past incidents (last 14 days)</h2>
            <p>No incidents in the last 14 days.</p>
            <p><a href="https://status.acme.com/acme/history">Incident history, by month</a></p>
            </section>
            <section aria-labelledby="subscribe-title" id="subscribe">
            <h2 id="subscribe-title">Get updates</h2>
            <form method="post" action="https://status.acme.com/v1/pages/acme/subscriptions" class="subscribe">
            <label for="subscribe-email">Email address</label>
            <div class="row">
            <input id="subscribe-email" name="email" type="email" autocomplete="email" required>
            <button type="submit">Subscribe</button>
            </div>
            <p class="hint">We send a confirmation link first; every message has a one-click unsubscribe.</p>
            </form>
            <details class="more-ways">
            <summary>By text message or webhook</summary>
            <form method="post" action="https://status.acme.com/v1/pages/acme/subscriptions" class="subscribe">
            <label for="subscribe-phone">Mobile number, with country code</label>
            <div class="row">
            <input id="subscribe-phone" name="phone" type="tel" autocomplete="tel" placeholder="+44 7700 900123" required>
            <button type="submit">Subscribe by SMS</button>
            </div>
            </form>
            <form method="post" action="https://status.acme.com/v1/pages/acme/subscriptions" class="subscribe">
            <label for="subscribe-webhook">Webhook URL</label>
            <div class="row">
            <input id="subscribe-webhook" name="webhook" type="url" placeholder="https://" required>
            <button type="submit">Add webhook</button>
            </div>
            <p class="hint">Your endpoint first receives a signed challenge to echo. Messages are signed per Standard Webhooks; the signing secret is shown once, on the next page.</p>
            </form>
            </details>
            <div id="push" class="push" hidden data-scope="/acme/" data-key="https://status.acme.com/v1/pages/acme/push/key" data-action="https://status.acme.com/v1/pages/acme/push/subscriptions">
            <h3>In this browser</h3>
            <form class="subscribe">
            <fieldset>
            <legend>Components (none chosen: all of them)</legend>
            <label><input type="checkbox" name="components" value="api"> API</label>
            <label><input type="checkbox" name="components" value="billing"> Billing</label>
            <label><input type="checkbox" name="components" value="dashboard"> Dashboard</label>
            <label><input type="checkbox" name="components" value="eu-west"> EU West</label>
            </fieldset>
            <button type="submit">Notify me in this browser</button>
            <p class="hint" role="status" aria-live="polite"></p>
            </form>
            <p class="hint">Your browser asks for permission first; each notification has an Unsubscribe button.</p>
            </div>
            <script src="/push.js" defer></script>
            <p>Or follow the <a href="https://status.acme.com/acme/feed.atom">incident feed (Atom)</a> or add the <a href="https://status.acme.com/acme/maintenance.ics">maintenance calendar (iCal)</a>.</p>
            </section>
            <p id="live-note" class="visually-hidden" aria-live="polite"></p>
            </main>
            <footer class="site">
            <div class="wrap">
            <p>All times are in UTC (the page's time zone is Europe/Berlin).</p>
            <p>Powered by Herald.</p>
            </div>
            </footer>
            <script src="/status-live.js" data-live="/v1/pages/acme/live" defer></script>
            </body>
            </html>"##]],
    );
}

#[test]
fn busy_day() {
    check(
        &busy(),
        expect![[r##"
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>Acme status</title>
            <meta name="description" content="Acme: Major Service Outage, 1 active incident. Live status of Acme&#39;s services, incidents and scheduled maintenance.">
            <meta name="robots" content="index, follow">
            <link rel="canonical" href="https://status.acme.com/acme">
            <meta property="og:type" content="website">
            <meta property="og:site_name" content="Acme status">
            <meta property="og:title" content="Acme status: Major Service Outage">
            <meta property="og:description" content="Acme: Major Service Outage, 1 active incident. Live status of Acme&#39;s services, incidents and scheduled maintenance.">
            <meta property="og:url" content="https://status.acme.com/acme">
            <meta name="twitter:card" content="summary">
            <meta name="twitter:title" content="Acme status: Major Service Outage">
            <meta name="twitter:description" content="Acme: Major Service Outage, 1 active incident. Live status of Acme&#39;s services, incidents and scheduled maintenance.">
            <style>…</style>
            <link rel="alternate" type="application/atom+xml" title="Acme incidents (Atom)" href="https://status.acme.com/acme/feed.atom">
            <link rel="alternate" type="text/calendar" title="Acme maintenance (iCalendar)" href="https://status.acme.com/acme/maintenance.ics">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="site">
            <div class="wrap">
            <h1>Acme status</h1>
            <nav aria-label="Stay informed">
            <ul class="links">
            <li><a href="https://status.acme.com/acme#subscribe">Subscribe to updates</a></li>
            <li><a href="https://status.acme.com/acme/feed.atom">Incident feed (Atom)</a></li>
            <li><a href="https://status.acme.com/acme/maintenance.ics">Maintenance calendar (iCal)</a></li>
            </ul>
            </nav>
            </div>
            </header>
            <main id="main" class="wrap">
            <section class="overall s-critical" aria-labelledby="overall-title" data-live>
            <h2 id="overall-title"><span class="dot" aria-hidden="true"></span>Major Service Outage</h2>
            <p>As of <time datetime="2026-03-01T12:00:00Z">2026-03-01 12:00 UTC</time>.</p>
            </section>
            <section aria-labelledby="incidents-title" data-live>
            <h2 id="incidents-title">Active incidents</h2>
            <article class="item s-critical" id="incident-inc-1" aria-labelledby="incident-inc-1-title">
            <h3 id="incident-inc-1-title"><a href="https://status.acme.com/acme/incidents/inc-1">API requests failing</a></h3>
            <dl class="facts">
            <div><dt>Status</dt><dd>Monitoring</dd></div>
            <div><dt>Impact</dt><dd><span class="badge s-critical"><span class="dot" aria-hidden="true"></span>Critical</span></dd></div>
            <div><dt>Affected</dt><dd>API, EU West</dd></div>
            <div><dt>Next update by</dt><dd><time datetime="2026-03-01T12:20:00Z">2026-03-01 12:20 UTC</time></dd></div>
            </dl>
            <h4 class="visually-hidden">Updates on API requests failing</h4>
            <ol class="updates">
            <li><p class="meta"><strong>Monitoring</strong> <time datetime="2026-03-01T11:50:00Z">2026-03-01 11:50 UTC</time></p><p class="body">The rollback is complete; error rates are back to normal.</p></li>
            <li><p class="meta"><strong>Identified</strong> <time datetime="2026-03-01T11:30:00Z">2026-03-01 11:30 UTC</time></p><p class="body">A configuration change broke request routing.
            We are rolling it back.</p></li>
            <li><p class="meta"><strong>Investigating</strong> <time datetime="2026-03-01T11:10:00Z">2026-03-01 11:10 UTC</time></p><p class="body">We are investigating reports of errors.</p></li>
            </ol>
            </article>
            </section>
            <section aria-labelledby="maintenance-title" data-live>
            <h2 id="maintenance-title">Maintenance</h2>
            <article class="item s-maintenance" id="maintenance-db-upgrade" aria-labelledby="maintenance-db-upgrade-title">
            <h3 id="maintenance-db-upgrade-title">Database upgrade</h3>
            <dl class="facts">
            <div><dt>Status</dt><dd><span class="badge s-maintenance"><span class="dot" aria-hidden="true"></span>In progress</span></dd></div>
            <div><dt>Window</dt><dd><time datetime="2026-03-01T11:00:00Z">2026-03-01 11:00 UTC</time> to <time datetime="2026-03-01T13:00:00Z">2026-03-01 13:00 UTC</time></dd></div>
            <div><dt>Affected</dt><dd>API</dd></div>
            </dl>
            <h4 class="visually-hidden">Updates on Database upgrade</h4>
            <ol class="updates">
            <li><p class="meta"><strong>In progress</strong> <time datetime="2026-03-01T11:00:00Z">2026-03-01 11:00 UTC</time></p><p class="body">The upgrade has started.</p></li>
            <li><p class="meta"><strong>Scheduled</strong> <time datetime="2026-02-26T11:00:00Z">2026-02-26 11:00 UTC</time></p><p class="body">Writes pause for up to 5 minutes.</p></li>
            </ol>
            </article>
            <article class="item s-maintenance" id="maintenance-network" aria-labelledby="maintenance-network-title">
            <h3 id="maintenance-network-title">Network maintenance</h3>
            <dl class="facts">
            <div><dt>Status</dt><dd>Scheduled</dd></div>
            <div><dt>Window</dt><dd><time datetime="2026-03-03T12:00:00Z">2026-03-03 12:00 UTC</time> to <time datetime="2026-03-03T14:00:00Z">2026-03-03 14:00 UTC</time></dd></div>
            <div><dt>Affected</dt><dd>API</dd></div>
            </dl>
            <h4 class="visually-hidden">Updates on Network maintenance</h4>
            <ol class="updates">
            <li><p class="meta"><strong>Scheduled</strong> <time datetime="2026-02-26T04:00:00Z">2026-02-26 04:00 UTC</time></p><p class="body">Writes pause for up to 5 minutes.</p></li>
            </ol>
            </article>
            </section>
            <section aria-labelledby="notices-title" data-live>
            <h2 id="notices-title">Notices</h2>
            <article class="item" id="notice-rate-limits" aria-labelledby="notice-rate-limits-title">
            <h3 id="notice-rate-limits-title">New API rate limits</h3>
            <dl class="facts">
            <div><dt>Kind</dt><dd>Service update</dd></div>
            <div><dt>Takes effect</dt><dd><time datetime="2026-03-04T12:00:00Z">2026-03-04 12:00 UTC</time></dd></div>
            </dl>
            <p class="body">From then on, the API allows 100 requests per second per key.</p>
            </article>
            </section>
            <section aria-labelledby="components-title" data-live>
            <h2 id="components-title">Components</h2>
            <ul class="components">
            <li class="group">
            <h3 class="component"><span class="name">Core</span> <span class="badge s-critical"><span class="dot" aria-hidden="true"></span>Major outage</span></h3>
            <ul>
            <li class="component"><span class="name">API</span> <span class="badge s-critical"><span class="dot" aria-hidden="true"></span>Major outage</span></li>
            <li class="component"><span class="name">Dashboard</span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></li>
            </ul>
            </li>
            <li class="component"><span class="name">Billing</span> <span class="badge s-ok"><span class="dot" aria-hidden="true"></span>Operational</span></li>
            <li class="group">
            <h3 class="component"><span class="name">Europe <span class="desc">Frankfurt and Dublin</span></span> <span class="badge s-critical"><span class="dot" aria-hidden="true"></span>Major outage</span></h3>
            <ul>
            <li class="component"><span class="name">EU West</span> <span class="badge s-critical"><span class="dot" aria-hidden="true"></span>Major outage</span></li>
            </ul>
            </li>
            </ul>
            </section>
            <section aria-labelledby="history-title" data-live>
            <h2 id="history-title">Past incidents (last 14 days)</h2>
            <article class="item past" id="incident-old-3d" aria-labelledby="incident-old-3d-title">
            <h3 id="incident-old-3d-title"><a href="https://status.acme.com/acme/incidents/old-3d">Delayed invoices</a></h3>
            <dl class="facts">
            <div><dt>Resolved</dt><dd><time datetime="2026-02-26T12:00:00Z">2026-02-26 12:00 UTC</time></dd></div>
            <div><dt>Impact</dt><dd>Minor</dd></div>
            <div><dt>Affected</dt><dd>Billing</dd></div>
            </dl>
            <details>
            <summary>2 updates</summary>
            <ol class="updates">
            <li><p class="meta"><strong>Resolved</strong> <time datetime="2026-02-26T12:00:00Z">2026-02-26 12:00 UTC</time></p><p class="body">All delayed invoices were sent.</p></li>
            <li><p class="meta"><strong>Investigating</strong> <time datetime="2026-02-26T10:00:00Z">2026-02-26 10:00 UTC</time></p><p class="body">We are investigating reports of errors.</p></li>
            </ol>
            </details>
            </article>
            <p><a href="https://status.acme.com/acme/history">Incident history, by month</a></p>
            </section>
            <section aria-labelledby="subscribe-title" id="subscribe">
            <h2 id="subscribe-title">Get updates</h2>
            <form method="post" action="https://status.acme.com/v1/pages/acme/subscriptions" class="subscribe">
            <label for="subscribe-email">Email address</label>
            <div class="row">
            <input id="subscribe-email" name="email" type="email" autocomplete="email" required>
            <button type="submit">Subscribe</button>
            </div>
            <p class="hint">We send a confirmation link first; every message has a one-click unsubscribe.</p>
            </form>
            <details class="more-ways">
            <summary>By text message or webhook</summary>
            <form method="post" action="https://status.acme.com/v1/pages/acme/subscriptions" class="subscribe">
            <label for="subscribe-phone">Mobile number, with country code</label>
            <div class="row">
            <input id="subscribe-phone" name="phone" type="tel" autocomplete="tel" placeholder="+44 7700 900123" required>
            <button type="submit">Subscribe by SMS</button>
            </div>
            </form>
            <form method="post" action="https://status.acme.com/v1/pages/acme/subscriptions" class="subscribe">
            <label for="subscribe-webhook">Webhook URL</label>
            <div class="row">
            <input id="subscribe-webhook" name="webhook" type="url" placeholder="https://" required>
            <button type="submit">Add webhook</button>
            </div>
            <p class="hint">Your endpoint first receives a signed challenge to echo. Messages are signed per Standard Webhooks; the signing secret is shown once, on the next page.</p>
            </form>
            </details>
            <div id="push" class="push" hidden data-scope="/acme/" data-key="https://status.acme.com/v1/pages/acme/push/key" data-action="https://status.acme.com/v1/pages/acme/push/subscriptions">
            <h3>In this browser</h3>
            <form class="subscribe">
            <fieldset>
            <legend>Components (none chosen: all of them)</legend>
            <label><input type="checkbox" name="components" value="api"> API</label>
            <label><input type="checkbox" name="components" value="billing"> Billing</label>
            <label><input type="checkbox" name="components" value="dashboard"> Dashboard</label>
            <label><input type="checkbox" name="components" value="eu-west"> EU West</label>
            </fieldset>
            <button type="submit">Notify me in this browser</button>
            <p class="hint" role="status" aria-live="polite"></p>
            </form>
            <p class="hint">Your browser asks for permission first; each notification has an Unsubscribe button.</p>
            </div>
            <script src="/push.js" defer></script>
            <p>Or follow the <a href="https://status.acme.com/acme/feed.atom">incident feed (Atom)</a> or add the <a href="https://status.acme.com/acme/maintenance.ics">maintenance calendar (iCal)</a>.</p>
            </section>
            <p id="live-note" class="visually-hidden" aria-live="polite"></p>
            </main>
            <footer class="site">
            <div class="wrap">
            <p>All times are in UTC (the page's time zone is Europe/Berlin).</p>
            <p>Powered by Herald.</p>
            </div>
            </footer>
            <script src="/status-live.js" data-live="/v1/pages/acme/live" defer></script>
            </body>
            </html>"##]],
    );
}

#[test]
fn busy_day_shows_public_items_only() {
    let html = render(&busy(), NOW, BASE);
    let doc = assert_structure(&html);
    assert!(!html.contains("Enterprise SSO"), "private incident leaked");
    assert!(!html.contains("ent-1"), "private incident id leaked");
    assert!(!html.contains("Slow logins"), "20-day-old incident shown");
    assert_eq!(
        texts(&doc, "section[aria-labelledby=incidents-title] h3"),
        ["API requests failing"]
    );
    assert_eq!(
        texts(&doc, "#incident-inc-1 .updates .meta strong"),
        ["Monitoring", "Identified", "Investigating"],
        "updates newest first"
    );
    assert_eq!(
        attr(&doc, "#incident-inc-1 dd time", "datetime").as_deref(),
        Some("2026-03-01T12:20:00Z"),
        "next update by"
    );
    assert_eq!(
        texts(&doc, "section[aria-labelledby=maintenance-title] h3"),
        ["Database upgrade", "Network maintenance"],
        "in progress, then upcoming"
    );
    assert_eq!(
        texts(&doc, "section[aria-labelledby=history-title] h3"),
        ["Delayed invoices"]
    );
    assert_eq!(
        texts(&doc, "section[aria-labelledby=notices-title] h3"),
        ["New API rate limits"]
    );
    assert_eq!(
        texts(&doc, "#overall-title"),
        ["Major Service Outage"],
        "the public indicator"
    );
}

#[test]
fn components_are_listed_in_page_order_within_their_groups() {
    let doc = assert_structure(&render(&busy(), NOW, BASE));
    assert_eq!(
        texts(&doc, ".components .component > .name"),
        [
            "Core",
            "API",
            "Dashboard",
            "Billing",
            "Europe Frankfurt and Dublin",
            "EU West"
        ]
    );
    assert_eq!(
        texts(&doc, ".components li.component .badge"),
        ["Major outage", "Operational", "Operational", "Major outage"],
        "effective statuses: incident outranks maintenance; the private incident changes nothing"
    );
}

#[test]
fn components_hidden_while_operational_show_when_degraded() {
    let mut state = quiet();
    assert!(!render(&state, NOW, BASE).contains("Legacy export"));
    state.page.components[4].status = ComponentStatus::PartialOutage;
    let doc = assert_structure(&render(&state, NOW, BASE));
    assert!(texts(&doc, ".component .name").contains(&"Legacy export".to_owned()));
}

#[test]
fn hostile_text_is_escaped() {
    let evil = r#"<script>alert("x")</script> & 'q' "dq""#;
    let mut page = page();
    page.name = format!("Acme {evil}");
    page.components[0].name = format!("API {evil}");
    page.components[0].description = Some(format!("<img src=x onerror=alert(1)> {evil}"));
    page.groups[1].name = evil.into();
    let state = run(
        State::new(page),
        vec![
            (open("x", evil, Impact::Major, &["api"]), NOW - mins(5)),
            (
                post("x", 2, IncidentStatus::Identified, evil, None),
                NOW - mins(1),
            ),
        ],
    );
    let html = render(&state, NOW, BASE);
    assert!(!html.contains("<script>"), "raw script tag");
    assert!(!html.contains("<img"), "raw img tag");
    assert!(!html.contains(r#""x""#), "raw double quotes");
    let doc = assert_structure(&html);
    // The text survives escaping unchanged, both as text and inside attributes.
    assert_eq!(texts(&doc, "h1"), [format!("Acme {evil} status")]);
    assert_eq!(texts(&doc, "#incident-x h3"), [evil]);
    assert_eq!(
        texts(&doc, "#incident-x .body"),
        [evil, "We are investigating reports of errors."]
    );
    assert_eq!(
        attr(&doc, "meta[property='og:title']", "content"),
        Some(format!("Acme {evil} status: Partial System Outage"))
    );
    // Only the page's own scripts, from its host: nothing hostile became one.
    let scripts: Vec<String> = doc
        .select(&sel("script"))
        .filter_map(|s| s.value().attr("src").map(str::to_owned))
        .collect();
    assert_eq!(scripts, ["/push.js", "/status-live.js"]);
    // The hostile component name is a label's text, escaped like every other.
    let labels = texts(&doc, "#push label");
    assert!(labels.contains(&format!("API {evil}")), "{labels:?}");
}

#[test]
fn hostile_ids_stay_inside_their_urls_and_anchors() {
    let mut page = page();
    page.id = r#"a"b/<c> d"#.into();
    let html = render(&State::new(page), NOW, "http://127.0.0.1:8787/");
    let doc = assert_structure(&html);
    assert_eq!(
        attr(&doc, "link[rel=canonical]", "href").as_deref(),
        Some("http://127.0.0.1:8787/a%22b%2F%3Cc%3E%20d")
    );
}

#[test]
fn overdue_promises_are_marked() {
    let state = run(
        quiet(),
        vec![(
            Command::OpenIncident(OpenIncident {
                next_update_at: Some(NOW - mins(5)),
                ..match open("late", "Search is slow", Impact::Minor, &["api"]) {
                    Command::OpenIncident(o) => o,
                    _ => unreachable!(),
                }
            }),
            NOW - hours(1),
        )],
    );
    let doc = assert_structure(&render(&state, NOW, BASE));
    assert_eq!(texts(&doc, "#incident-late .overdue"), ["(overdue)"]);
}

#[test]
fn history_keeps_fourteen_days() {
    let state = run(
        quiet(),
        vec![
            (
                open("a", "Thirteen days", Impact::Minor, &[]),
                NOW - days(13) - hours(1),
            ),
            (resolve("a", "Fixed."), NOW - days(13)),
            (
                open("b", "Fifteen days", Impact::Minor, &[]),
                NOW - days(15) - hours(1),
            ),
            (resolve("b", "Fixed."), NOW - days(15)),
        ],
    );
    let doc = assert_structure(&render(&state, NOW, BASE));
    assert_eq!(
        texts(&doc, "section[aria-labelledby=history-title] h3"),
        ["Thirteen days"]
    );
}

#[test]
fn the_live_script_swaps_only_the_marked_sections_and_speaks_politely() {
    let html = render(&busy(), NOW, BASE);
    let doc = assert_structure(&html);
    // Its scripts come from this origin (the page's CSP allows `script-src 'self'` and nothing
    // else): the push button and the live script.
    let scripts: Vec<String> = doc
        .select(&sel("script"))
        .filter_map(|s| s.value().attr("src").map(str::to_owned))
        .collect();
    assert_eq!(scripts, ["/push.js", "/status-live.js"]);
    assert_eq!(
        attr(&doc, "script[data-live]", "data-live").as_deref(),
        Some("/v1/pages/acme/live")
    );
    assert_eq!(
        attr(&doc, "#live-note", "aria-live").as_deref(),
        Some("polite")
    );
    // What the script replaces: status, items, components, history; never the subscribe forms.
    let live: Vec<String> = doc
        .select(&sel("main [data-live]"))
        .filter_map(|s| s.value().attr("aria-labelledby").map(str::to_owned))
        .collect();
    assert_eq!(
        live,
        [
            "overall-title",
            "incidents-title",
            "maintenance-title",
            "notices-title",
            "components-title",
            "history-title"
        ]
    );
    assert_eq!(doc.select(&sel("[data-live] form")).count(), 0);
}

#[test]
fn branding_colours_the_page_and_shows_the_logo_linked_to_the_site() {
    let mut p = page();
    p.url = Some("https://acme.com".into());
    p.branding = Branding {
        accent_color: Some("#0b5fff".into()),
        logo_url: Some("https://acme.com/logo.svg".into()),
    };
    let html = render(&State::new(p), NOW, BASE);
    let doc = assert_structure(&html);
    assert_eq!(
        attr(&doc, "header.site .logo a img", "src").as_deref(),
        Some("https://acme.com/logo.svg")
    );
    assert_eq!(
        attr(&doc, "header.site .logo a", "href").as_deref(),
        Some("https://acme.com")
    );
    assert!(
        html.contains(":root { --accent: #0b5fff; --on-accent: #ffffff; }"),
        "{html}"
    );
    // Unbranded: no logo, no colour of its own.
    let plain = render(&quiet(), NOW, BASE);
    assert!(!plain.contains("--accent:") && !plain.contains("class=\"logo\""));
}

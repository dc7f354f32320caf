//! The page settings screen and the console's conditional reads against the worker in workerd:
//! settings changed in the console reach the public JSON and the status page; a bad value shows
//! the API's problem next to its field and changes nothing; components reordered; a save after
//! someone else's is refused (412) until the form is read again; `started_at` given when opening
//! an incident flows to the scorecard; the widget's subscribe button takes the page's brand
//! colour unless the host page sets its own; and the reads the console polls answer 304 while
//! unchanged, which the console's own reads get.

use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::console::{
    click, exists, fill, no_serious_violations, severe, shoot, sign_in, text, wait_for, wait_text,
};
use crate::fixtures::{address, confirmed, eventually, Env, WAIT};
use crate::{tests, Test};

/// Run without a browser.
pub const TESTS: &[Test] = tests![
    console_reads_answer_304_while_unchanged,
    settings_refused_by_the_api_name_their_field_and_change_nothing,
];

/// Run with `--browser`.
pub const BROWSER_TESTS: &[Test] = tests![
    console_settings_reach_the_public_page_and_a_bad_value_changes_nothing,
    console_settings_a_conflicting_save_is_refused,
    console_started_at_flows_to_the_scorecard,
    widget_subscribe_button_takes_the_pages_brand_colour_unless_the_host_sets_one,
    console_reads_the_notifications_again_with_if_none_match,
];

/// No console error but the refused answers with one of the `expected` statuses.
fn no_severe_but(browser: &xtask::webdriver::Browser, expected: &[&str]) {
    let errors: Vec<(String, String)> = severe(browser)
        .into_iter()
        .filter(|(_, m)| {
            !expected
                .iter()
                .any(|s| m.contains(&format!("status of {s}")))
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

fn version(env: &Env, page: &str) -> String {
    let r = env.admin("GET", &format!("/v1/admin/pages/{page}"), "");
    assert_eq!(r.status, 200, "{r:?}");
    r.header("etag").unwrap_or_default().to_owned()
}

fn console_reads_answer_304_while_unchanged(env: &Env) {
    let page = env.page("etag");
    let reader = address(env, "etag-reader");
    confirmed(env, &page, &reader, &[]);
    let incident = env.open_incident(&page, "Slow API", "minor");
    let list = format!("/v1/admin/pages/{page}/notifications?limit=20");
    let read = |path: &str, tag: Option<&str>| {
        let headers: Vec<(&str, &str)> = tag.map(|t| ("if-none-match", t)).into_iter().collect();
        env.send("GET", path, Some(&env.key), None, &headers)
    };
    let first = read(&list, None);
    assert_eq!(first.status, 200, "{first:?}");
    let tag = first.header("etag").expect("an ETag").to_owned();
    let id = first.json()[0]["id"]
        .as_str()
        .expect("a notification")
        .to_owned();
    let again = read(&list, Some(&tag));
    assert_eq!(again.status, 304, "{again:?}");
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    // Another tag, or none: the whole answer.
    assert_eq!(read(&list, Some("\"other\"")).status, 200);
    // A delivery report, once its deliveries are done, is as stable.
    let deliveries = format!("/v1/admin/pages/{page}/notifications/{id}/deliveries");
    let done = eventually("the delivery sent", WAIT, || {
        let r = read(&deliveries, None);
        (r.json()["sent"] == 1 && r.json()["pending"] == 0).then_some(r)
    });
    let dtag = done.header("etag").expect("an ETag").to_owned();
    assert_eq!(read(&deliveries, Some(&dtag)).status, 304);
    // A new message changes the list: its old tag gets the new answer.
    env.post_update(
        &page,
        &incident,
        "identified",
        "A slow replica; failing over.",
    );
    let changed = read(&list, Some(&tag));
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_ne!(changed.header("etag"), Some(tag.as_str()));
}

fn settings_refused_by_the_api_name_their_field_and_change_nothing(env: &Env) {
    let page = env.page("settings-api");
    let before = version(env, &page);
    let put = |body: Value, tag: Option<&str>| {
        let headers: Vec<(&str, &str)> = tag.map(|t| ("if-match", t)).into_iter().collect();
        env.send(
            "PUT",
            &format!("/v1/admin/pages/{page}"),
            Some(&env.key),
            Some(&body.to_string()),
            &headers,
        )
    };
    let cases = [
        (
            json!({"name": "P", "branding": {"accent_color": "blue"}}),
            "branding.accent_color",
        ),
        (
            json!({"name": "P", "branding": {"logo_url": "http://x.example/l.png"}}),
            "branding.logo_url",
        ),
        (json!({"name": "P", "url": "acme.example"}), "url"),
        (json!({"name": "P", "time_zone": "Paris time"}), "time_zone"),
        (json!({"name": "P", "locales": ["english"]}), "locales"),
        (
            json!({"name": "P", "policy": {"cadence_major_minutes": 0}}),
            "policy.cadence_major_minutes",
        ),
    ];
    for (body, field) in cases {
        let r = put(body, None);
        let p = r.problem(422);
        assert_eq!(p["field"], field, "{p}");
    }
    assert_eq!(version(env, &page), before, "nothing changed");
    // The current version is taken; the same, now stale, is refused.
    let r = put(
        json!({"name": "Renamed", "components": [{"id": "api", "name": "API"}], "branding": {"accent_color": "#0B5FFF"}}),
        Some(&before),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let after = version(env, &page);
    let r = put(json!({"name": "Overwritten"}), Some(&before));
    assert_eq!(r.status, 412, "{r:?}");
    assert_eq!(version(env, &page), after);
    let banner = env
        .get(&format!("/v1/pages/{page}/banner.json"), &[])
        .json();
    assert_eq!(banner["page"]["accent_color"], "#0b5fff");
    assert_eq!(banner["page"]["on_accent_color"], "#ffffff");
}

fn open_settings(env: &Env, page: &str) {
    sign_in(env, page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-settings");
    wait_for(browser, "the settings form", "#settings");
}

fn public_summary(env: &Env, page: &str) -> Value {
    let r = env.get(&format!("/pages/{page}/api/v2/summary.json"), &[]);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

fn console_settings_reach_the_public_page_and_a_bad_value_changes_nothing(env: &Env) {
    let page = env.page("console-settings");
    // A viewer is not offered the screen.
    let (_, viewer) = crate::admin::create_key(env, &page, "viewer");
    sign_in(env, &page, &viewer);
    let browser = env.browser();
    assert!(!exists(browser, "#nav-settings"));

    open_settings(env, &page);
    fill(browser, "#settings-name", "Acme Cloud");
    fill(browser, "#settings-url", "https://acme.example");
    fill(browser, "#settings-time-zone", "Europe/Paris");
    fill(browser, "#settings-locales", "en, fr");
    // A group; the API goes into it; the web app is renamed; billing is added and moved up.
    fill(browser, "#new-group", "Core services");
    click(browser, "#add-group");
    wait_for(browser, "the new group", "[data-group='core-services']");
    fill(browser, "#component-group-api", "core-services");
    fill(browser, "#component-name-web", "Dashboard");
    fill(browser, "#new-component", "Billing");
    click(browser, "#add-component");
    wait_for(browser, "the new component", "[data-component='billing']");
    click(browser, "[data-component='billing'] .up");
    let order = || {
        browser.eval(
            "return [...document.querySelectorAll('#settings-components li')].map(l => l.dataset.component);",
            vec![],
        )
    };
    assert_eq!(order(), json!(["api", "billing", "web"]));
    click(browser, "#add-audience");
    fill(browser, "#audience-segment-0", "plan:enterprise");
    fill(browser, "#audience-name-0", "Enterprise");
    fill(browser, "#settings-policy-cadence-major-minutes", "20");
    fill(browser, "#settings-policy-ack-escalate-minutes", "45");
    fill(
        browser,
        "#settings-policy-responders",
        "oncall@acme.example",
    );
    fill(
        browser,
        "#settings-policy-subscribe-origins",
        "https://app.acme.example",
    );
    fill(browser, "#settings-review-incidents", "major");
    fill(browser, "#settings-branding-accent-color", "#0B5FFF");
    fill(
        browser,
        "#settings-branding-logo-url",
        "https://acme.example/logo.svg",
    );
    click(browser, "#save-settings");
    wait_text(browser, "the confirmation", ".flash", "Settings saved.");

    // The public JSON and the status page show them.
    let s = public_summary(env, &page);
    assert_eq!(s["page"]["name"], "Acme Cloud");
    assert_eq!(s["page"]["time_zone"], "Europe/Paris");
    let names: Vec<&str> = s["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["group"] != true)
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["API", "Billing", "Dashboard"]);
    let banner = env
        .get(&format!("/v1/pages/{page}/banner.json"), &[])
        .json();
    assert_eq!(banner["page"]["accent_color"], "#0b5fff");
    let html = env.get(&format!("/{page}"), &[]).body;
    assert!(
        html.contains("src=\"https://acme.example/logo.svg\""),
        "{html}"
    );
    assert!(html.contains("--accent: #0b5fff"), "the brand colour");
    let admin = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    let policy = &admin["page"]["policy"];
    assert_eq!(policy["cadence_major_minutes"], 20);
    assert_eq!(policy["ack_escalate_minutes"], 45);
    assert_eq!(policy["responders"], json!(["oncall@acme.example"]));
    assert_eq!(
        policy["subscribe_origins"],
        json!(["https://app.acme.example"])
    );
    assert_eq!(policy["review"]["incidents_from"], "major");
    assert_eq!(admin["page"]["audiences"][0]["segment"], "plan:enterprise");
    assert_eq!(admin["page"]["locales"], json!(["en", "fr"]));
    assert_eq!(admin["page"]["components"][0]["group"], "core-services");
    shoot(browser, "settings", true);
    no_serious_violations(env, "settings");

    // A bad value: the API's problem next to its field, and nothing changes.
    let before = version(env, &page);
    fill(browser, "#settings-branding-accent-color", "blue");
    fill(browser, "#settings-name", "Not saved");
    click(browser, "#save-settings");
    let error = wait_text(
        browser,
        "the colour's error",
        "#settings-branding-accent-color-error",
        "colour",
    );
    assert!(error.contains("#rrggbb"), "{error}");
    assert_eq!(
        browser.eval(
            "return document.querySelector('#settings-branding-accent-color').getAttribute('aria-invalid');",
            vec![]
        ),
        "true"
    );
    assert_eq!(text(browser, "#form-error").as_deref(), Some(""));
    assert_eq!(version(env, &page), before, "nothing changed");
    assert_eq!(public_summary(env, &page)["page"]["name"], "Acme Cloud");
    shoot(browser, "settings-refused", false);
    no_severe_but(browser, &["422"]);
}

fn console_settings_a_conflicting_save_is_refused(env: &Env) {
    let page = env.page("console-conflict");
    open_settings(env, &page);
    let browser = env.browser();
    // Someone else saves while the form is open.
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        r#"{"name":"Theirs","components":[{"id":"api","name":"API"},{"id":"web","name":"Web app"}]}"#,
    );
    assert_eq!(r.status, 200, "{r:?}");
    fill(browser, "#settings-name", "Mine");
    click(browser, "#save-settings");
    let error = wait_text(browser, "the refusal", "#form-error", "read the page again");
    assert!(
        error.contains("does not match the current version"),
        "{error}"
    );
    wait_for(browser, "the offer to read it again", "#settings-reload");
    let admin = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(admin["page"]["name"], "Theirs", "not overwritten");
    shoot(browser, "settings-conflict", false);
    // Read again: the form shows their change, and a save now is taken.
    click(browser, "#settings-reload");
    eventually("the form read again", WAIT, || {
        let v = browser.eval(
            "return document.querySelector('#settings-name').value;",
            vec![],
        );
        (v == "Theirs").then_some(())
    });
    fill(browser, "#settings-name", "Mine");
    click(browser, "#save-settings");
    wait_text(browser, "the confirmation", ".flash", "Settings saved.");
    let admin = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(admin["page"]["name"], "Mine");
    no_severe_but(browser, &["412"]);
}

fn console_started_at_flows_to_the_scorecard(env: &Env) {
    let page = env.page("console-started");
    // The page object's clock stands still at t0, so the first public word is at t0 exactly.
    let clock = crate::scorecard::Clock::new(env, &page);
    let t0 = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    clock.set(t0);
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-open");
    wait_for(browser, "the compose form", "#compose");
    let input = |t: OffsetDateTime| {
        let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        t.format(f).unwrap()
    };
    fill(browser, "#title", "Dashboard does not load");
    fill(
        browser,
        "#body",
        "Some customers cannot open the dashboard. We are investigating.",
    );
    // A start still to come is refused next to its field, and nothing is published.
    fill(browser, "#started-at", &input(t0 + Duration::hours(1)));
    wait_text(browser, "the hint", "#started-at-hint", "future");
    click(browser, "#publish");
    wait_text(browser, "the field's error", "#started-at-error", "future");
    assert_eq!(
        crate::console::banner_item(env, &page),
        Value::Null,
        "nothing published"
    );
    fill(browser, "#started-at", &input(t0 - Duration::minutes(17)));
    wait_text(browser, "the hint", "#started-at-hint", "ago");
    shoot(browser, "compose-started-at", false);
    click(browser, "#publish");
    wait_text(browser, "the confirmation", ".flash", "Incident published.");
    let id = crate::console::banner_item(env, &page)["id"]
        .as_str()
        .expect("published")
        .to_owned();
    let card = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/incidents/{id}/scorecard"),
            "",
        )
        .json();
    assert_eq!(card["time_to_first_word_secs"], 17 * 60, "{card}");
    click(browser, "#nav-scorecard");
    let row = format!("#scorecards tr[data-incident={id}] .details");
    wait_for(browser, "the incident's row", &row);
    click(browser, &row);
    let first = wait_for(
        browser,
        "the incident's figures",
        "#incident-figures [data-figure=first-word] dd",
    );
    assert_eq!(first, "17 min 00 s");
    no_severe_but(browser, &[]);
}

fn widget_subscribe_button_takes_the_pages_brand_colour_unless_the_host_sets_one(env: &Env) {
    let page = env.page("wbrand");
    crate::fixtures::configure(
        env,
        &page,
        &json!({"name": "Branded", "components": [{"id": "api", "name": "API"}],
                "branding": {"accent_color": "#ffd33d"}}),
    );
    env.open_incident(&page, "Slow API answers", "minor");
    let browser = env.browser();
    let submit_colours = |host_css: &str, name: &str| {
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>host</title>\
             <link rel=\"icon\" href=\"data:,\"><style>{host_css}</style></head><body><main><p>Product</p></main>\
             <script src=\"{}/widget.js\" data-page=\"{page}\" data-endpoint=\"{}\" async></script></body></html>",
            env.base, env.base
        );
        let url = crate::host::host().page(&format!("/{name}.html"), &[], &html);
        browser.goto(&url);
        eventually("the banner", WAIT, || browser.banner_text());
        browser.eval("Herald.openSubscribe()", vec![]);
        eventually("the subscribe button", WAIT, || {
            let v = browser.eval(
                "const h = document.querySelector('herald-widget'); const b = h && h.shadowRoot.querySelector('.submit');
                 if (!b) return null; const s = getComputedStyle(b); return [s.backgroundColor, s.color];",
                vec![],
            );
            (!v.is_null()).then_some(v)
        })
    };
    // The page's colour, with the text colour that reads on it (a light yellow: black).
    assert_eq!(
        submit_colours("", "brand-default"),
        json!(["rgb(255, 211, 61)", "rgb(0, 0, 0)"])
    );
    // A host page's own brand wins.
    assert_eq!(
        submit_colours(
            "herald-widget { --herald-brand: #8250df; --herald-on-brand: #ffffff; }",
            "brand-host"
        ),
        json!(["rgb(130, 80, 223)", "rgb(255, 255, 255)"])
    );
}

fn console_reads_the_notifications_again_with_if_none_match(env: &Env) {
    let page = env.page("console-304");
    let reader = address(env, "console-304-reader");
    confirmed(env, &page, &reader, &[]);
    env.open_incident(&page, "Slow API", "minor");
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-notifications");
    wait_for(browser, "the message sent", "#notifications tbody tr");
    // The screen reads the list every few seconds; unchanged, the API answers 304 and the
    // console shows the answer it kept.
    eventually("a 304 to the console's read", WAIT, || {
        let n = browser.eval(
            "return performance.getEntriesByType('resource')
               .filter(e => e.name.includes('/notifications?limit=') && e.responseStatus === 304).length;",
            vec![],
        );
        (n.as_u64() >= Some(1)).then_some(())
    });
    assert!(exists(browser, "#notifications tbody tr"), "still shown");
    no_severe_but(browser, &[]);
}

//! The console (`/console`) in headless Chromium against the worker in workerd: sign-in with the
//! key in `sessionStorage`, an incident opened from a template with the lint and the previews,
//! published to the banner and to a subscriber's email, updated, resolved, given a postmortem and
//! reopened; the countdown turning overdue; a viewer key without compose controls; keyboard-only
//! publishing; maintenance and a notice checked against the page's lead times; a notice held for
//! review until a second key approves it; templates; axe-core in light and dark; and screenshots of
//! every screen in light and dark (`target/screenshots/console-*.png`); the scorecard of a scripted
//! incident with its exact figures; the notifications with their delivery counts and the provider's
//! error; "escalate now" on a notice that asks for acknowledgement; "retry now" on a recipient the
//! provider refused, and "send on another channel" through the API; keys created (shown once),
//! revoked, and the widget secret rotated; the evidence screen's filters, timeline and export.

use std::time::Duration;

use serde_json::{json, Value};
use xtask::webdriver::Browser;

use crate::fixtures::{eventually, Env};
use crate::{tests, Test};

pub(crate) mod subscribers;

pub const TESTS: &[Test] = tests![
    signs_in_with_the_key_in_session_storage_and_out_again,
    opens_an_incident_from_a_template_then_updates_resolves_and_reopens_it,
    countdown_turns_overdue_when_the_promise_passes,
    viewer_key_sees_no_compose_controls_and_a_revoked_key_signs_out,
    keyboard_only_publish,
    schedules_maintenance_late_with_a_reason_and_publishes_a_notice,
    a_notice_held_for_review_is_published_when_a_second_key_approves_it,
    edits_a_template_with_its_placeholders_checked_and_previewed,
    scorecard_shows_a_scripted_incidents_exact_figures,
    notifications_follow_deliveries_and_show_the_providers_error,
    escalate_now_sends_to_the_fallback_of_who_has_not_acknowledged,
    retry_now_reaches_the_recipient_the_provider_refused,
    keys_are_created_shown_once_and_revoked_and_the_widget_secret_rotated,
    evidence_filters_the_audit_shows_an_incidents_timeline_and_exports_it,
];

const WAIT: Duration = Duration::from_secs(20);
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

fn screenshots() -> std::path::PathBuf {
    xtask::root().join("target/screenshots")
}

/// Saves the whole page in light and in dark (`prefers-color-scheme` emulated), on a desktop
/// window and, with `phone`, also at a phone's width; then back to light.
fn shoot(browser: &Browser, name: &str, phone: bool) {
    let scheme = |value: &str| {
        browser.cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": value}]}),
        );
    };
    let sizes: &[(&str, Option<(u32, u32)>)] = if phone {
        &[("", None), ("-phone", Some((390, 844)))]
    } else {
        &[("", None)]
    };
    for (suffix, size) in sizes {
        if let Some((width, height)) = size {
            browser.cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true}),
            );
        }
        for s in ["light", "dark"] {
            scheme(s);
            std::thread::sleep(Duration::from_millis(200));
            browser.screenshot_full_page(
                &screenshots().join(format!("console-{name}{suffix}-{s}.png")),
            );
        }
        if size.is_some() {
            browser.cdp("Emulation.clearDeviceMetricsOverride", json!({}));
        }
    }
    scheme("light");
}

fn text(browser: &Browser, selector: &str) -> Option<String> {
    browser
        .eval(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            vec![json!(selector)],
        )
        .as_str()
        .map(str::to_owned)
}

fn exists(browser: &Browser, selector: &str) -> bool {
    browser.eval(
        "return document.querySelector(arguments[0]) !== null;",
        vec![json!(selector)],
    ) == true
}

fn click(browser: &Browser, selector: &str) {
    let found = browser.eval(
        "const e = document.querySelector(arguments[0]); if (!e) return false; e.click(); return true;",
        vec![json!(selector)],
    );
    assert_eq!(found, true, "nothing to click at {selector}");
}

/// Sets an input's value as typing would (an `input` event), or a select's (a `change` event).
fn fill(browser: &Browser, selector: &str, value: &str) {
    let found = browser.eval(
        "const e = document.querySelector(arguments[0]); if (!e) return false;
         e.value = arguments[1];
         e.dispatchEvent(new Event(e.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
         if (e.type === 'datetime-local') e.dispatchEvent(new Event('change', {bubbles: true}));
         return true;",
        vec![json!(selector), json!(value)],
    );
    assert_eq!(found, true, "no field at {selector}");
}

fn check(browser: &Browser, selector: &str) {
    let found = browser.eval(
        "const e = document.querySelector(arguments[0]); if (!e) return false;
         if (!e.checked) e.click(); return true;",
        vec![json!(selector)],
    );
    assert_eq!(found, true, "no checkbox at {selector}");
}

fn wait_for(browser: &Browser, what: &str, selector: &str) -> String {
    eventually(what, WAIT, || text(browser, selector))
}

fn wait_text(browser: &Browser, what: &str, selector: &str, contains: &str) -> String {
    eventually(what, WAIT, || {
        text(browser, selector).filter(|t| t.contains(contains))
    })
}

/// Signs in from a fresh tab session (an earlier test's session would be resumed otherwise). The
/// storage is cleared from another document of the origin: on the console itself, a session still
/// being resumed could save the key again after the clear.
fn sign_in(env: &Env, page: &str, key: &str) {
    let browser = env.browser();
    browser.goto(&format!("{}/v1/openapi.json", env.base));
    browser.eval("sessionStorage.clear()", vec![]);
    browser.goto(&format!("{}/console/", env.base));
    wait_for(browser, "the sign-in form", "#signin");
    // What the detour logged (the JSON document's missing favicon) is not the console's.
    browser.console();
    fill(browser, "#page", page);
    fill(browser, "#key", key);
    click(browser, "#signin-submit");
    wait_for(browser, "the signed-in shell", "#role");
}

fn banner_item(env: &Env, page: &str) -> Value {
    let r = env.get(&format!("/v1/pages/{page}/banner.json"), &[]);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["item"].clone()
}

/// Console errors, except the refused answers to the compose screen's dry runs (a draft the API
/// refuses has no count yet), which Chromium logs like any failed request.
fn severe(browser: &Browser) -> Vec<(String, String)> {
    browser
        .console()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .filter(|(_, msg)| {
            let refused = ["status of 400", "status of 409", "status of 422"]
                .iter()
                .any(|s| msg.contains(s));
            !(msg.contains("dry_run=true") && refused)
        })
        .collect()
}

fn no_severe(browser: &Browser) {
    let errors = severe(browser);
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// axe-core on the screen as shown, in light and in dark (contrast differs), then back to light.
fn no_serious_violations(env: &Env, screen: &str) {
    let browser = env.browser();
    for scheme in ["light", "dark"] {
        browser.cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
        let serious = crate::status_page::serious_violations(env);
        assert!(
            serious.is_empty(),
            "axe-core on {screen} ({scheme}): serious or critical violations: {serious:#?}"
        );
    }
    browser.cdp(
        "Emulation.setEmulatedMedia",
        json!({"features": [{"name": "prefers-color-scheme", "value": "light"}]}),
    );
}

fn signs_in_with_the_key_in_session_storage_and_out_again(env: &Env) {
    let page = env.page("console-signin");
    let browser = env.browser();
    browser.goto(&format!("{}/console", env.base));
    wait_for(browser, "the sign-in form", "#signin");
    let csp = env.get("/console/", &[]);
    assert_eq!(csp.status, 200, "{csp:?}");
    let policy = csp.header("content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'")
            && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    shoot(browser, "signin", false);
    no_serious_violations(env, "sign-in");

    fill(browser, "#page", &page);
    fill(browser, "#key", "hk_nobody_wrong");
    click(browser, "#signin-submit");
    let error = wait_for(browser, "the key's error", "#key-error:not(:empty)");
    assert!(error.contains("Sign in again"), "{error}");
    fill(browser, "#page", "no-such-page");
    fill(browser, "#key", &env.key);
    click(browser, "#signin-submit");
    wait_for(browser, "the page's error", "#page-error:not(:empty)");
    shoot(browser, "signin-error", false);

    sign_in(env, &page, &env.key);
    assert_eq!(text(browser, "#role").as_deref(), Some("admin"));
    let stored = browser.eval(
        "return [sessionStorage.getItem('herald.console.key'), localStorage.length];",
        vec![],
    );
    assert_eq!(stored, json!([env.key, 0]), "in sessionStorage only");
    wait_text(
        browser,
        "the overview",
        "#indicator",
        "All Systems Operational",
    );

    // A change made elsewhere shows without a reload (the conditional poll).
    env.open_incident(&page, "Payments are delayed", "minor");
    wait_text(
        browser,
        "the incident",
        ".incident h3",
        "Payments are delayed",
    );
    shoot(browser, "overview", true);
    no_serious_violations(env, "overview");

    // Set a component's status in place.
    fill(browser, "#component-web", "degraded_performance");
    eventually("the component's new status", WAIT, || {
        let r = env.admin("GET", &format!("/v1/admin/pages/{page}"), "");
        (r.json()["page"]["components"][1]["status"] == "degraded_performance").then_some(())
    });

    // Reloading keeps the session (same tab); signing out forgets the key.
    browser.goto(&format!("{}/console/", env.base));
    wait_for(browser, "the resumed session", "#role");
    click(browser, "#signout");
    wait_for(browser, "the sign-in form again", "#signin");
    let stored = browser.eval(
        "return [sessionStorage.getItem('herald.console.key'), localStorage.length];",
        vec![],
    );
    assert_eq!(stored, json!([null, 0]));
    no_severe_except_refused_keys(browser);
}

/// The refused sign-ins above log their 401 and 404 answers as failed requests; nothing else may.
fn no_severe_except_refused_keys(browser: &Browser) {
    let errors: Vec<_> = severe(browser)
        .into_iter()
        .filter(|(_, msg)| !msg.contains("status of 401") && !msg.contains("status of 404"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

fn opens_an_incident_from_a_template_then_updates_resolves_and_reopens_it(env: &Env) {
    let page = env.page("console-compose");
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}/templates/errors"),
        &json!({"name": "Elevated error rates", "impact": "major",
                "title": "Elevated error rates on {{components}}",
                "body": "Some requests to {{components}} fail. We are investigating."})
        .to_string(),
    );
    assert!(r.status < 300, "{r:?}");
    let to = format!("console-{}@example.com", page);
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/import/subscribers"),
        &json!([{"channel": "email", "address": to}]).to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");

    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-open");
    wait_for(browser, "the compose form", "#compose");
    check(browser, "#affects-api");
    fill(browser, "#template", "errors");
    eventually("the template's title", WAIT, || {
        let v = browser.eval("return document.querySelector('#title').value", vec![]);
        (v == "Elevated error rates on API").then_some(())
    });
    assert_eq!(
        browser.eval("return document.querySelector('#impact').value", vec![]),
        "major"
    );

    // The lint marks a promised fix time as it is typed.
    fill(
        browser,
        "#body",
        "Some requests to the API fail. It will be fixed in 10 minutes.",
    );
    let marked = wait_for(browser, "the lint's mark", "#body-lint mark");
    assert_eq!(marked, "will be fixed in 10 minutes");
    // Before publishing: who will be told, from the API's dry run.
    wait_text(
        browser,
        "the dry run's count",
        "#reach",
        "Publishing notifies 1 subscriber: 1 by email.",
    );
    let sms = wait_text(browser, "the SMS segment count", "#sms-count", "segment");
    assert!(sms.starts_with('1') || sms.starts_with('2'), "{sms}");
    for channel in ["banner", "status_page", "email", "sms", "slack"] {
        assert!(
            exists(browser, &format!(".preview[data-channel={channel}]")),
            "{channel} preview"
        );
    }
    let subject = text(browser, ".preview[data-channel=email] .subject").unwrap_or_default();
    assert!(
        subject.contains("Elevated error rates on API: Investigating"),
        "{subject}"
    );
    shoot(browser, "compose", true);
    no_serious_violations(env, "compose");

    fill(
        browser,
        "#body",
        "Some requests to the API fail; retrying them works. We are investigating.",
    );
    click(browser, "#publish");
    wait_text(browser, "the confirmation", ".flash", "Incident published.");
    let item = banner_item(env, &page);
    assert_eq!(item["title"], "Elevated error rates on API", "{item}");
    assert_eq!(item["impact"], "major");
    eventually("the email in the sink", WAIT, || {
        env.sink.messages().into_iter().find(|m| {
            m["to"][0].as_str() == Some(to.as_str())
                && m["subject"]
                    .as_str()
                    .is_some_and(|s| s.contains("Elevated error rates on API"))
        })
    });

    click(browser, ".incident .action.post-update");
    wait_text(
        browser,
        "the update form",
        "#screen-title",
        "Post an update",
    );
    fill(browser, "#status", "Identified");
    fill(
        browser,
        "#body",
        "We found a faulty load balancer; some API requests still fail.",
    );
    shoot(browser, "update", false);
    no_serious_violations(env, "update");
    click(browser, "#publish");
    wait_text(
        browser,
        "the update's confirmation",
        ".flash",
        "Update published.",
    );
    assert_eq!(banner_item(env, &page)["status"], "identified");

    click(browser, ".incident .action.resolve");
    wait_text(browser, "the resolve form", "#screen-title", "Resolve");
    fill(browser, "#body", "API requests work normally again.");
    click(browser, "#publish");
    wait_text(browser, "the resolution", ".flash", "Incident resolved.");
    assert_eq!(banner_item(env, &page), Value::Null);
    wait_text(
        browser,
        "the resolved list",
        "#resolved-h + ul .incident h3",
        "Elevated error rates",
    );

    click(browser, "#resolved-h + ul .action.attach-postmortem");
    wait_text(
        browser,
        "the postmortem form",
        "#screen-title",
        "postmortem",
    );
    fill(
        browser,
        "#body",
        "A load balancer change sent some API requests to a pool that was being drained.",
    );
    click(browser, "#publish");
    wait_text(browser, "the postmortem", ".flash", "Postmortem published.");
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert!(
        state["incidents"][0]["postmortem"]["body"]
            .as_str()
            .is_some_and(|b| b.contains("being drained")),
        "{state}"
    );

    click(browser, "#resolved-h + ul .action.reopen");
    wait_text(browser, "the reopen form", "#screen-title", "Reopen");
    fill(
        browser,
        "#body",
        "Some API requests fail again; we are investigating.",
    );
    click(browser, "#publish");
    wait_text(browser, "the reopening", ".flash", "Incident reopened.");
    assert_eq!(banner_item(env, &page)["status"], "investigating");
    no_severe(browser);
}

fn countdown_turns_overdue_when_the_promise_passes(env: &Env) {
    let page = env.page("console-overdue");
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    // A promise 8 seconds ahead, in the browser's own clock.
    let at = browser.eval("return new Date(Date.now() + 8000).toISOString();", vec![]);
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &json!({"title": "Search is slow", "impact": "minor", "components": ["web"],
                "body": "Search results load slowly for some customers.", "next_update_at": at})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    wait_text(
        browser,
        "the countdown",
        ".incident .countdown[data-state=due]",
        "Next update due in",
    );
    let overdue = eventually("the overdue alert", Duration::from_secs(30), || {
        text(browser, ".incident .countdown[data-state=overdue]")
    });
    assert!(overdue.starts_with("Update overdue by"), "{overdue}");
    assert!(exists(browser, ".incident .overdue-alert[role=alert]"));
    shoot(browser, "overdue", false);
    no_severe(browser);
}

fn viewer_key_sees_no_compose_controls_and_a_revoked_key_signs_out(env: &Env) {
    let page = env.page("console-viewer");
    env.open_incident(&page, "Logins fail for some customers", "major");
    let (_, viewer) = crate::admin::create_key(env, &page, "viewer");
    sign_in(env, &page, &viewer);
    let browser = env.browser();
    assert_eq!(text(browser, "#role").as_deref(), Some("viewer"));
    wait_text(
        browser,
        "the incident",
        ".incident h3",
        "Logins fail for some customers",
    );
    for selector in ["#nav-open", ".incident .action", "select[id^=component-]"] {
        assert!(!exists(browser, selector), "a viewer sees {selector}");
    }
    shoot(browser, "viewer", true);

    let (responder_id, responder) = crate::admin::create_key(env, &page, "responder");
    click(browser, "#signout");
    sign_in(env, &page, &responder);
    assert_eq!(text(browser, "#role").as_deref(), Some("responder"));
    assert!(exists(browser, "#nav-open"));
    assert!(exists(browser, ".incident .action.resolve"));
    assert!(
        !exists(browser, "#nav-notice"),
        "notices need the communicator role"
    );

    // A key revoked while in use: the next poll is refused (401) and sends back to sign-in.
    let r = env.admin(
        "DELETE",
        &format!("/v1/admin/pages/{page}/keys/{responder_id}"),
        "",
    );
    assert!(r.status < 300, "{r:?}");
    let error = wait_for(browser, "sign-in after the 401", "#key-error:not(:empty)");
    assert!(error.contains("Sign in again"), "{error}");
    let stored = browser.eval(
        "return sessionStorage.getItem('herald.console.key');",
        vec![],
    );
    assert_eq!(stored, Value::Null, "a refused key is forgotten");
    let errors: Vec<_> = severe(browser)
        .into_iter()
        .filter(|(_, msg)| !msg.contains("status of 401"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// Presses Tab until the element with `id` has focus (at most 40 times).
fn tab_to(browser: &Browser, id: &str) {
    for _ in 0..40 {
        let active = browser.eval(
            "return document.activeElement && document.activeElement.id",
            vec![],
        );
        if active == id {
            return;
        }
        browser.keys(TAB);
    }
    panic!("Tab never reached #{id}");
}

fn keyboard_only_publish(env: &Env) {
    let page = env.page("console-keys");
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    browser.eval(
        "document.activeElement && document.activeElement.blur()",
        vec![],
    );
    tab_to(browser, "nav-open");
    browser.keys(ENTER);
    wait_for(browser, "the compose form", "#compose");
    tab_to(browser, "title");
    browser.keys("Dashboard does not load");
    tab_to(browser, "body");
    browser.keys("Some customers cannot open the dashboard. We are investigating.");
    tab_to(browser, "publish");
    shoot(browser, "keyboard-focus", false);
    let outline = browser.eval(
        "return getComputedStyle(document.activeElement).outlineStyle",
        vec![],
    );
    assert_ne!(outline, "none", "focus is visible");
    browser.keys(ENTER);
    wait_text(browser, "the confirmation", ".flash", "Incident published.");
    assert_eq!(banner_item(env, &page)["title"], "Dashboard does not load");
    no_severe(browser);
}

fn schedules_maintenance_late_with_a_reason_and_publishes_a_notice(env: &Env) {
    let page = env.page("console-advance");
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-maintenance");
    wait_for(browser, "the maintenance form", "#schedule");
    fill(browser, "#title", "Database upgrade");
    fill(
        browser,
        "#body",
        "The dashboard is read-only for up to an hour while we upgrade its database.",
    );
    check(browser, "#touches-api");
    wait_text(browser, "the lead time", "#lead", "Notice given");
    assert!(
        !exists(browser, "#override-reason"),
        "no reason asked in time"
    );
    // Two hours ahead (UTC, in the browser's clock): less than the default three days.
    let soon = browser.eval(
        "return new Date(Date.now() + 2 * 3600e3).toISOString().slice(0, 19);",
        vec![],
    );
    fill(browser, "#at", soon.as_str().unwrap());
    let lead = wait_text(browser, "the late warning", "#lead", "Too late");
    assert!(lead.contains("asks for 3 days of notice"), "{lead}");
    wait_for(browser, "the reason field", "#override-reason");
    click(browser, "#publish");
    let error = wait_for(browser, "the lead-time error", "#at-error:not(:empty)");
    assert!(!error.is_empty());
    shoot(browser, "maintenance-late", true);
    no_serious_violations(env, "maintenance");
    fill(browser, "#override-reason", "Security fix that cannot wait");
    click(browser, "#publish");
    wait_text(
        browser,
        "the confirmation",
        ".flash",
        "Maintenance scheduled.",
    );
    wait_text(
        browser,
        "the maintenance in the overview",
        "#maintenance-h + ul",
        "Database upgrade",
    );
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(
        state["maintenances"][0]["override_reason"],
        "Security fix that cannot wait"
    );

    click(browser, "#nav-notice");
    wait_for(browser, "the notice form", "#schedule");
    fill(browser, "#kind", "policy_change");
    fill(browser, "#title", "New data retention policy");
    fill(
        browser,
        "#body",
        "From the date below, we keep audit logs for 400 days instead of 90.",
    );
    check(browser, "#requires-ack");
    // The default date gives the policy's lead time for the kind first chosen (48 h); a policy
    // change needs 14 days, so the check moves as the kind is picked.
    wait_text(
        browser,
        "the lead time of a policy change",
        "#lead",
        "asks for 14 days",
    );
    let at = browser.eval(
        "return new Date(Date.now() + 20 * 86400e3).toISOString().slice(0, 19);",
        vec![],
    );
    fill(browser, "#at", at.as_str().unwrap());
    wait_text(browser, "the lead time", "#lead", "Notice given");
    shoot(browser, "notice", false);
    no_serious_violations(env, "notice");
    click(browser, "#publish");
    wait_text(browser, "the confirmation", ".flash", "Notice published.");
    let notices = wait_text(
        browser,
        "the notice in the overview",
        "#notices-h + ul",
        "New data retention policy",
    );
    assert!(notices.contains("requires acknowledgement"), "{notices}");
    no_severe(browser);
}

fn a_notice_held_for_review_is_published_when_a_second_key_approves_it(env: &Env) {
    let page = env.page("console-review");
    let settings = json!({"name": "Reviewed", "components": [{"id": "api", "name": "API"}],
        "policy": {"review": {"notices": true}}});
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &settings.to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/import/subscribers"),
        &json!([{"channel": "email", "address": format!("review-{page}@example.com")}]).to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let (_, alice) = crate::admin::create_key(env, &page, "communicator");
    let (_, bob) = crate::admin::create_key(env, &page, "communicator");
    let title = "Invoices move to the billing portal";

    sign_in(env, &page, &alice);
    let browser = env.browser();
    click(browser, "#nav-notice");
    wait_for(browser, "the notice form", "#schedule");
    fill(browser, "#title", title);
    fill(
        browser,
        "#body",
        "From the date below, invoices are in the billing portal instead of email.",
    );
    wait_text(browser, "the lead time", "#lead", "Notice given");
    wait_text(
        browser,
        "the dry run",
        "#reach",
        "Waits for review by a second person; once approved, it notifies 1 subscriber: 1 by email.",
    );
    click(browser, "#publish");
    wait_text(
        browser,
        "the confirmation",
        ".flash",
        "Submitted for review",
    );
    let waiting = wait_text(browser, "the held notice", "ul.reviews", title);
    assert!(waiting.contains("Waiting for another key"), "{waiting}");
    assert!(!exists(browser, ".review .approve"), "not by its author");
    assert!(!text(browser, "#notices-h + *")
        .unwrap_or_default()
        .contains(title));
    let summary = env.get(&format!("/v1/pages/{page}/summary.json"), &[]);
    assert!(!summary.body.contains(title), "held: not public");

    sign_in(env, &page, &bob);
    wait_for(browser, "the approve button", ".review .approve");
    shoot(browser, "review", true);
    no_serious_violations(env, "review");
    click(browser, ".review .approve");
    wait_text(
        browser,
        "the confirmation",
        ".flash",
        "Approved and published.",
    );
    wait_text(
        browser,
        "the notice in the overview",
        "#notices-h + ul",
        title,
    );
    assert!(!exists(browser, "ul.reviews"), "nothing left to review");
    let summary = env.get(&format!("/v1/pages/{page}/summary.json"), &[]);
    assert!(summary.body.contains(title), "{}", summary.body);
    no_severe(browser);
}

fn edits_a_template_with_its_placeholders_checked_and_previewed(env: &Env) {
    let page = env.page("console-templates");
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-templates");
    wait_for(browser, "the template form", "#template-form");
    fill(browser, "#t-id", "outage");
    fill(browser, "#t-name", "Outage");
    fill(browser, "#t-title", "Outage of {{components}}");
    fill(browser, "#t-body", "{{components}} is down. {{eta}}");
    let error = wait_text(
        browser,
        "the unknown placeholder",
        "#t-body-error",
        "unknown placeholder",
    );
    assert!(error.contains("{{eta}}"), "{error}");
    fill(
        browser,
        "#t-body",
        "{{components}} is down. We are investigating.",
    );
    let subject = wait_text(
        browser,
        "the email preview",
        ".preview[data-channel=email] .subject",
        "Outage of API",
    );
    assert!(subject.contains("Outage of API"), "{subject}");
    wait_text(
        browser,
        "the SMS preview",
        ".preview[data-channel=sms]",
        "API is down. We are investigating.",
    );
    shoot(browser, "templates", true);
    no_serious_violations(env, "templates");
    click(browser, "#save-template");
    wait_text(browser, "the confirmation", ".flash", "Template saved.");
    wait_text(browser, "the saved template", "#templates-h + ul", "Outage");
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(state["templates"][0]["title"], "Outage of {{components}}");
    no_severe(browser);
}

fn scorecard_shows_a_scripted_incidents_exact_figures(env: &Env) {
    // Began 17 minutes before its first public word; its first promise broken by 15 minutes.
    let (page, id, _) = crate::scorecard::scripted(env);
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-scorecard");
    wait_text(
        browser,
        "the period's incidents",
        "#period-figures [data-figure=incidents] dd",
        "1",
    );
    assert_eq!(
        text(browser, "#period-figures [data-figure=worst-late] dd").as_deref(),
        Some("15 min 00 s")
    );
    click(
        browser,
        &format!("#scorecards tr[data-incident={id}] .details"),
    );
    let first = wait_for(
        browser,
        "the incident's figures",
        "#incident-figures [data-figure=first-word] dd",
    );
    assert_eq!(first, "17 min 00 s");
    let figure = |key: &str| {
        text(
            browser,
            &format!("#incident-figures [data-figure={key}] dd"),
        )
    };
    assert_eq!(figure("promises").as_deref(), Some("1 kept, 1 broken"));
    assert_eq!(figure("silence").as_deref(), Some("25 min 00 s"));
    assert_eq!(figure("updates").as_deref(), Some("3"));
    assert_eq!(figure("audiences").as_deref(), Some("Public"));
    assert_eq!(
        text(
            browser,
            "#scorecard-detail tr[data-verdict=broken] .verdict"
        )
        .as_deref(),
        Some("Broken by 15 min 00 s")
    );
    assert!(exists(browser, "#scorecard-detail tr[data-verdict=kept]"));
    shoot(browser, "scorecard", true);
    no_serious_violations(env, "scorecard");
    no_severe(browser);
}

fn notifications_follow_deliveries_and_show_the_providers_error(env: &Env) {
    use crate::fixtures::{address, confirmed, report, Failing};
    let page = env.page("console-ntf");
    for name in ["ntf-a", "ntf-b"] {
        confirmed(env, &page, &address(env, name), &[]);
    }
    // The provider refuses the opening for good (400: not retried), then takes the update.
    let failing = Failing::new(env, 100, 400);
    let incident = env.open_incident(&page, "Checkout errors", "major");
    report(env, &page, &incident, |v| v["failed"] == 2);
    drop(failing);
    let r = env.post_update(
        &page,
        &incident,
        "identified",
        "A faulty release; rolling back.",
    );
    assert_eq!(r.status, 201, "{r:?}");
    report(env, &page, &incident, |v| v["sent"] == 2);
    let list = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications?subject={incident}"),
            "",
        )
        .json();
    let (update, opening) = (
        list[0]["id"].as_str().unwrap().to_owned(),
        list[1]["id"].as_str().unwrap().to_owned(),
    );

    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-notifications");
    let row = |id: &str, figure: &str| {
        format!("#notifications tr[data-notification={id}] [data-figure={figure}]")
    };
    wait_text(
        browser,
        "the update's deliveries",
        &row(&update, "sent"),
        "2",
    );
    assert_eq!(text(browser, &row(&update, "failed")).as_deref(), Some("0"));
    assert_eq!(
        text(browser, &row(&opening, "failed")).as_deref(),
        Some("2")
    );
    assert_eq!(text(browser, &row(&opening, "sent")).as_deref(), Some("0"));
    // Newest first: the update, the opening, then the two confirmations.
    let order = browser.eval(
        "return [...document.querySelectorAll('#notifications tbody tr')].map(r => r.dataset.notification);",
        vec![],
    );
    assert_eq!(order.as_array().map(Vec::len), Some(4), "{order}");
    assert_eq!((&order[0], &order[1]), (&json!(update), &json!(opening)));
    let title = text(
        browser,
        &format!("#notifications tr[data-notification={opening}] th"),
    );
    assert_eq!(title.as_deref(), Some("Incident opened: Checkout errors"));
    click(
        browser,
        &format!("#notifications tr[data-notification={opening}] .details"),
    );
    let error = wait_for(
        browser,
        "the failures with the provider's error",
        "#notification-detail .provider-error",
    );
    assert!(error.contains("400"), "{error}");
    assert_eq!(
        browser.eval(
            "return document.querySelectorAll('#notification-detail .failures tbody tr').length;",
            vec![]
        ),
        json!(2)
    );
    shoot(browser, "notifications", true);
    no_serious_violations(env, "notifications");
    no_severe(browser);
}

fn escalate_now_sends_to_the_fallback_of_who_has_not_acknowledged(env: &Env) {
    use crate::fixtures::{
        address, confirmed, confirmed_with_fallback, link, press, report, sent_to, wait_mail,
    };
    // The page waits an hour before escalating on its own (the default): "escalate now" does not.
    let page = env.page("console-esc");
    let key_account = address(env, "esc-keyacct");
    let number = format!("+4917{:07}", page.len() * 7919 % 10_000_000 + 1234);
    let id = confirmed_with_fallback(env, &page, &key_account, &number);
    let reader = address(env, "esc-reader");
    confirmed(env, &page, &reader, &[]);
    let effective = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let notice = json!({"kind": "other", "title": "New data processing terms",
        "body": "Please read the new terms.", "requires_ack": true,
        "effective_at": effective.format(&time::format_description::well_known::Rfc3339).unwrap()});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/notices"),
        &notice.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let notice_id = r.json()["id"].as_str().unwrap().to_owned();
    let mine = wait_mail(env, &reader, "New data processing terms", 1);
    let receipt = link(env, mine[0]["text"].as_str().unwrap(), "/v1/receipts");
    assert_eq!(press(env, &receipt).status, 200);
    let before = report(env, &page, &notice_id, |v| {
        v["sent"] == 2 && v["acknowledged"] == 1
    });
    assert_eq!(before["unacknowledged"], json!([id]), "{before}");
    let ntf = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications?subject={notice_id}"),
            "",
        )
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-notifications");
    wait_text(
        browser,
        "the notice's acknowledgements",
        &format!("#notifications tr[data-notification={ntf}] [data-figure=acknowledged]"),
        "1",
    );
    click(
        browser,
        &format!("#notifications tr[data-notification={ntf}] .details"),
    );
    let unacked = wait_for(
        browser,
        "who has not acknowledged",
        "#notification-detail .unacknowledged",
    );
    assert!(unacked.contains(&id), "{unacked}");
    shoot(browser, "notification-detail", false);
    no_serious_violations(env, "notification detail");
    click(browser, "#escalate-now");
    wait_text(browser, "the confirmation", ".flash", "sent again to 1");
    let texts = eventually("the escalation SMS", WAIT, || {
        Some(sent_to(env, "sms", &number)).filter(|t| !t.is_empty())
    });
    assert!(
        texts[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("New data processing terms"),
        "{}",
        texts[0]
    );
    // Once per message, and in the audit under the key that asked.
    let again = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/notifications/{ntf}/escalate"),
        "",
    );
    assert_eq!(
        again.problem(409)["title"],
        "Already escalated",
        "{again:?}"
    );
    let audit = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/audit?subject={ntf}"),
        "",
    );
    assert!(
        audit.body.contains("notification.escalate"),
        "{}",
        audit.body
    );
    no_severe(browser);
}

fn retry_now_reaches_the_recipient_the_provider_refused(env: &Env) {
    use crate::fixtures::{address, confirmed_sms, confirmed_with_fallback, report, wait_sent};
    let page = env.page("console-retry");
    let n = page.len() * 7919 % 1_000_000;
    let number = |i: usize| format!("+4916{:06}{i}", n);
    let ids: Vec<String> = (1..=3)
        .map(|i| confirmed_sms(env, &page, &number(i)))
        .collect();
    // The provider refuses the third number for good (400: not retried); the others get through.
    let refused = number(3);
    env.sink.refuse(&refused, Some(400));
    let incident = env.open_incident(&page, "Checkout errors", "major");
    let before = report(env, &page, &incident, |v| {
        v["delivered"] == 2 && v["failed"] == 1
    });
    assert_eq!(
        before["failures"][0]["subscriber_id"],
        json!(ids[2]),
        "{before}"
    );
    assert_eq!(
        before["failures"][0]["retry_on"],
        json!(["sms"]),
        "{before}"
    );
    let ntf = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications?subject={incident}"),
            "",
        )
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-notifications");
    let by_sms =
        format!("#notifications tr[data-notification={ntf}] .by-channel li[data-channel=sms]");
    let line = wait_text(browser, "the SMS figures", &by_sms, "2 delivered");
    assert!(line.contains("1 failed"), "{line}");
    click(
        browser,
        &format!("#notifications tr[data-notification={ntf}] .details"),
    );
    let error = wait_for(
        browser,
        "the refused recipient with the provider's error",
        &format!(
            "#notification-detail tr[data-subscriber={}] .provider-error",
            ids[2]
        ),
    );
    assert!(error.contains("refuses messages"), "{error}");
    assert_eq!(
        text(browser, "#delivery-figures [data-figure=delivered] dd").as_deref(),
        Some("2")
    );
    assert_eq!(
        text(browser, "#delivery-figures [data-figure=failed] dd").as_deref(),
        Some("1")
    );
    shoot(browser, "notification-retry", false);
    // The provider takes it again: "retry now" turns it delivered.
    env.sink.refuse(&refused, None);
    click(
        browser,
        &format!("#notification-detail tr[data-subscriber={}] .retry", ids[2]),
    );
    wait_text(browser, "the confirmation", ".flash", "again by SMS");
    wait_sent(env, "sms", &refused, "text", "Checkout errors", 1);
    wait_text(
        browser,
        "the retried delivery",
        &by_sms,
        "3 delivered, 0 failed",
    );
    assert_eq!(
        browser.eval(
            "return document.querySelectorAll('#notification-detail .failures tbody tr').length;",
            vec![]
        ),
        json!(0)
    );
    let again = env.admin(
        "POST",
        &format!(
            "/v1/admin/pages/{page}/notifications/{ntf}/deliveries/{}/retry",
            ids[2]
        ),
        "",
    );
    assert_eq!(again.problem(409)["title"], "Already reached", "{again:?}");
    no_severe(browser);

    // "Send on another channel": both of a subscriber's channels refused, then the SMS taken alone.
    let email = address(env, "retry-both");
    let phone = number(4);
    let both = confirmed_with_fallback(env, &page, &email, &phone);
    env.sink.refuse(&email, Some(400));
    env.sink.refuse(&phone, Some(400));
    let second = env.open_incident(&page, "Login errors", "minor");
    let lost = report(env, &page, &second, |v| v["failed"] == 1);
    assert_eq!(lost["failures"][0]["subscriber_id"], json!(both), "{lost}");
    assert_eq!(
        lost["failures"][0]["retry_on"],
        json!(["email", "sms"]),
        "{lost}"
    );
    env.sink.refuse(&phone, None);
    let ntf2 = lost["notification_id"].as_str().unwrap().to_owned();
    let retry = |body: &str| {
        env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/notifications/{ntf2}/deliveries/{both}/retry"),
            body,
        )
    };
    let wrong = retry(r#"{"channel": "webhook"}"#);
    assert_eq!(wrong.problem(422)["field"], "channel", "{wrong:?}");
    let r = retry(r#"{"channel": "sms"}"#);
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.json()["channel"], "sms");
    wait_sent(env, "sms", &phone, "text", "Login errors", 1);
    let after = report(env, &page, &second, |v| v["sent"] == 4 && v["failed"] == 0);
    let sms = after["channels"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["channel"] == "sms"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(sms["sent"], 4, "{after}");
    let mails = crate::fixtures::sent_to(env, "email", &email);
    assert!(
        mails
            .iter()
            .all(|m| !m["subject"].as_str().unwrap_or("").contains("Login errors")),
        "the address still refused got nothing: {mails:?}"
    );
    let audit = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/audit?subject={ntf2}"),
        "",
    );
    assert!(audit.body.contains("notification.retry"), "{}", audit.body);
}

fn keys_are_created_shown_once_and_revoked_and_the_widget_secret_rotated(env: &Env) {
    let page = env.page("console-keys");
    let (_, viewer) = crate::admin::create_key(env, &page, "viewer");
    // A viewer is not offered the screen.
    sign_in(env, &page, &viewer);
    let browser = env.browser();
    assert!(!exists(browser, "#nav-keys"));

    sign_in(env, &page, &env.key);
    click(browser, "#nav-keys");
    wait_for(browser, "the key list", "#keys tbody tr");
    // A key needs a name: the API's detail shows next to the field, and nothing is created.
    click(browser, "#create-key");
    let error = wait_text(browser, "the name's error", "#key-name-error", "name");
    assert!(error.contains("1 to 100 characters"), "{error}");
    let count = |b: &Browser| {
        b.eval(
            "return document.querySelectorAll('#keys tbody tr').length;",
            vec![],
        )
    };
    assert_eq!(count(browser), json!(1));
    fill(browser, "#key-name", "On-call responder");
    fill(browser, "#key-role", "responder");
    click(browser, "#create-key");
    let key = eventually("the new key, shown once", WAIT, || {
        browser
            .eval(
                "const e = document.querySelector('#new-key-value'); return e ? e.value : null;",
                vec![],
            )
            .as_str()
            .map(str::to_owned)
    });
    assert!(key.starts_with("hk_"), "{key}");
    eventually("the new key listed", WAIT, || {
        (count(browser) == json!(2)).then_some(())
    });
    let me = |k: &str| {
        env.send(
            "GET",
            &format!("/v1/admin/pages/{page}/me"),
            Some(k),
            None,
            &[],
        )
    };
    let who = me(&key);
    assert_eq!(who.status, 200, "{who:?}");
    assert_eq!(who.json()["role"], "responder");
    let id = who.json()["id"]
        .as_str()
        .and_then(|i| i.strip_prefix("key:"))
        .unwrap()
        .to_owned();
    shoot(browser, "keys", true);
    no_serious_violations(env, "keys");
    // Revoking asks twice, then the key no longer signs in.
    let revoke = format!("#keys tr[data-key='{id}'] .revoke");
    click(browser, &revoke);
    assert_eq!(text(browser, &revoke).as_deref(), Some("Confirm: revoke"));
    assert_eq!(me(&key).status, 200, "one click revokes nothing");
    click(browser, &revoke);
    wait_text(browser, "the confirmation", ".flash", "revoked");
    assert_eq!(me(&key).status, 401);
    wait_text(
        browser,
        "the revoked state",
        &format!("#keys tr[data-key='{id}']"),
        "Revoked",
    );
    // The widget secret: rotated after a second click, shown once, with a signing example.
    click(browser, "#rotate-secret");
    assert!(!exists(browser, "#widget-secret-value"));
    click(browser, "#rotate-secret");
    let secret = eventually("the new widget secret", WAIT, || {
        browser
            .eval("const e = document.querySelector('#widget-secret-value'); return e ? e.value : null;", vec![])
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    });
    let example = text(browser, "#token-example").unwrap_or_default();
    assert!(example.contains(&format!("page: \"{page}\"")), "{example}");
    assert!(
        !example.contains(&secret),
        "the example never holds the secret"
    );
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    for action in ["keys.create", "keys.revoke", "widget_secret.rotate"] {
        assert!(audit.body.contains(action), "{action} in {}", audit.body);
    }
    assert!(!audit.body.contains(&key) && !audit.body.contains(&secret));
    // The refused creation is the only error the console logged.
    let errors = severe(browser);
    assert!(
        errors
            .iter()
            .all(|(_, m)| m.contains("/keys") && m.contains("422")),
        "console errors: {errors:?}"
    );
}

fn evidence_filters_the_audit_shows_an_incidents_timeline_and_exports_it(env: &Env) {
    use crate::fixtures::{address, confirmed, report};
    let page = env.page("console-evidence");
    confirmed(env, &page, &address(env, "evidence"), &[]);
    let incident = env.open_incident(&page, "Search is slow", "minor");
    let r = env.post_update(&page, &incident, "resolved", "Search is fast again.");
    assert_eq!(r.status, 201, "{r:?}");
    report(env, &page, &incident, |v| v["sent"] == 1);
    crate::admin::create_key(env, &page, "viewer");
    // The API checks the new filters at the boundary.
    let bad = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/audit?action=DROP%20TABLE"),
        "",
    );
    assert_eq!(bad.problem(400)["field"], "action", "{bad:?}");
    let keys_only = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/audit?action=keys"),
            "",
        )
        .json();
    assert_eq!(keys_only.as_array().map(Vec::len), Some(1), "{keys_only}");
    assert_eq!(keys_only[0]["action"], "keys.create");

    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-evidence");
    wait_for(browser, "the audit log", "#audit-log tbody tr");
    let actions = |b: &Browser, table: &str| -> Vec<String> {
        b.eval(
            "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map(r => r.dataset.action);",
            vec![json!(table)],
        )
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
    };
    assert!(actions(browser, "#audit-log").contains(&"keys.create".to_owned()));
    fill(browser, "#ev-kind", "incident");
    click(browser, "#evidence-search");
    let only = eventually("only the incident's entries", WAIT, || {
        let a = actions(browser, "#audit-log");
        (!a.is_empty() && a.iter().all(|x| x.starts_with("incident."))).then_some(a)
    });
    assert_eq!(only, ["incident.open", "incident.update"]);
    // A period that is not a date is refused next to its field, and the list stays as it was.
    fill(browser, "#ev-since", "1 Nov");
    click(browser, "#evidence-search");
    let error = wait_text(
        browser,
        "the period's error",
        "#ev-since-error",
        "YYYY-MM-DD",
    );
    assert!(error.contains("1 Nov"), "{error}");
    assert_eq!(actions(browser, "#audit-log"), only);
    fill(browser, "#ev-since", "");
    // The incident's timeline: its updates, the message's deliveries and its scorecard, in order.
    fill(browser, "#timeline-incident", &incident);
    let timeline = eventually("the incident's timeline", WAIT, || {
        Some(actions(browser, "#timeline")).filter(|a| a.len() >= 4)
    });
    assert_eq!(
        timeline.first().map(String::as_str),
        Some("incident.open"),
        "{timeline:?}"
    );
    assert_eq!(
        timeline.last().map(String::as_str),
        Some("incident.scorecard"),
        "{timeline:?}"
    );
    assert!(
        timeline.contains(&"notification.deliveries".to_owned()),
        "{timeline:?}"
    );
    let delivered = text(
        browser,
        "#timeline tr[data-action='notification.deliveries'] td:last-child",
    )
    .unwrap_or_default();
    assert!(delivered.contains("1 sent"), "{delivered}");
    shoot(browser, "evidence", true);
    no_serious_violations(env, "evidence");
    // The export, as the API gives it, saved as a file.
    click(browser, "#export-csv");
    let note = wait_text(browser, "the export", ".flash", "Exported");
    assert!(note.contains(&format!("herald-audit-{page}.csv")), "{note}");
    let href = browser.eval(
        "return document.querySelector('#export-link').href;",
        vec![],
    );
    assert!(href.as_str().unwrap_or("").starts_with("blob:"), "{href}");
    no_severe(browser);
}

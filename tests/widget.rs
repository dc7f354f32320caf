//! The widget in headless Chromium against the worker in workerd: the demo page shows the banner in
//! the widget's shadow root and drops it when the incident is resolved, without a reload; host pages
//! on another origin exercise the embed API, the modes and the subscribe form end to end (through
//! the email sink).

use std::time::Duration;

use crate::fixtures::{eventually, mail_to, unix_now, wait_mail, Env};
use crate::Test;

pub const TESTS: &[Test] = &[(
    "widget::demo_page_shows_the_banner_and_hides_it_when_resolved",
    demo_page_shows_the_banner_and_hides_it_when_resolved,
)];

const WAIT: Duration = Duration::from_secs(20);

fn demo_page_shows_the_banner_and_hides_it_when_resolved(env: &Env) {
    env.seed("demo");
    let browser = env.browser();
    browser.goto(&format!("{}/", env.base));
    // A quiet day: the loader asks once and adds nothing to the page.
    eventually("the loader's first poll", WAIT, || {
        let v = browser.eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('banner.json')).length", vec![]);
        (v.as_u64() >= Some(1)).then_some(())
    });
    assert_eq!(
        browser.eval(
            "return document.querySelector('herald-widget') === null",
            vec![]
        ),
        true
    );
    assert_eq!(
        browser.eval(
            "return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))",
            vec![]
        ),
        false,
        "no wasm on a quiet day"
    );

    let id = env.open_incident("demo", "Checkout is failing for some customers", "critical");
    let text = eventually("the banner", WAIT, || browser.banner_text());
    assert!(
        text.contains("Checkout is failing for some customers"),
        "{text}"
    );
    assert!(text.contains("Investigating"), "{text}");
    let role = browser.eval("return document.querySelector('herald-widget').shadowRoot.querySelector('.banner').getAttribute('role')", vec![]);
    assert_eq!(role, "alert", "critical incidents interrupt");

    env.post_update(
        "demo",
        &id,
        "identified",
        "We found a faulty payment-provider configuration.",
    );
    eventually("the newer update", WAIT, || {
        browser
            .banner_text()
            .filter(|t| t.contains("faulty payment-provider"))
            .map(|_| ())
    });

    assert_eq!(
        env.post_update("demo", &id, "resolved", "Checkout works again.")
            .status,
        201
    );
    eventually("the banner to go", WAIT, || {
        browser.banner_text().is_none().then_some(())
    });

    let errors: Vec<_> = browser
        .console()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// Browser tests of the embed API, modes, behaviour and accessibility, on host pages served from
/// another origin than the worker.
pub const EMBED_TESTS: &[Test] = &[
    (
        "widget::each_mode_renders_in_light_and_dark",
        each_mode_renders_in_light_and_dark,
    ),
    (
        "widget::dismissal_survives_a_reload_and_a_newer_update_shows_again",
        dismissal_survives_a_reload_and_a_newer_update_shows_again,
    ),
    (
        "widget::component_filter_hides_unrelated_items",
        component_filter_hides_unrelated_items,
    ),
    (
        "widget::audience_token_reveals_private_items_and_destroy_removes_the_widget",
        audience_token_reveals_private_items_and_destroy_removes_the_widget,
    ),
    (
        "widget::hidden_tab_pauses_polling_and_refreshes_when_visible",
        hidden_tab_pauses_polling_and_refreshes_when_visible,
    ),
    (
        "widget::endpoint_down_or_invalid_json_hides_with_one_warning_and_recovers",
        endpoint_down_or_invalid_json_hides_with_one_warning_and_recovers,
    ),
    (
        "widget::hostile_host_css_neither_reaches_the_widget_nor_is_changed",
        hostile_host_css_neither_reaches_the_widget_nor_is_changed,
    ),
    (
        "widget::strict_csp_host_page_shows_the_banner",
        strict_csp_host_page_shows_the_banner,
    ),
    (
        "widget::keyboard_only_use_reaches_more_link_and_dismiss",
        keyboard_only_use_reaches_more_link_and_dismiss,
    ),
    (
        "widget::each_locale_renders_and_arabic_is_mirrored",
        each_locale_renders_and_arabic_is_mirrored,
    ),
    (
        "widget::statuspage_source_mode_over_samples",
        statuspage_source_mode_over_samples,
    ),
    (
        "widget::subscribe_form_double_opt_in_notifies_until_one_click_unsubscribe",
        subscribe_form_double_opt_in_notifies_until_one_click_unsubscribe,
    ),
    (
        "widget::open_subscribe_on_a_quiet_page_shows_the_form",
        open_subscribe_on_a_quiet_page_shows_the_form,
    ),
];

const SHADOW: &str =
    "const h = document.querySelector('herald-widget'); const r = h && h.shadowRoot;";

fn screenshots() -> std::path::PathBuf {
    xtask::root().join("target/screenshots")
}

/// A host page on the test host server embedding the widget with `attrs`.
fn embed(env: &Env, name: &str, head: &str, attrs: &str, body: &str) -> String {
    crate::host::host().page(
        &format!("/{name}.html"),
        &[],
        &embed_html(env, head, attrs, body),
    )
}

/// A host page `name` embedding the widget for `page` with the default options, and `body`.
fn embed_page(env: &Env, name: &str, page: &str, body: &str) -> String {
    let attrs = format!("data-page=\"{page}\" data-endpoint=\"{}\"", env.base);
    embed(env, name, "", &attrs, body)
}

fn embed_html(env: &Env, head: &str, attrs: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>host</title><link rel=\"icon\" href=\"data:,\">{head}</head>\
         <body><header class=\"app\">Host product</header>{body}\
         <script src=\"{}/widget.js\" {attrs} async></script></body></html>",
        env.base
    )
}

fn no_severe(browser: &xtask::webdriver::Browser) {
    let errors: Vec<_> = browser
        .console()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

fn open_with_body(env: &Env, page: &str, title: &str, impact: &str, body: &str) -> String {
    let json =
        serde_json::json!({"title": title, "impact": impact, "body": body, "components": ["api"]});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &json.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["id"].as_str().expect("id").to_owned()
}

fn each_mode_renders_in_light_and_dark(env: &Env) {
    let page = env.page("modes");
    let long =
        "We are seeing elevated error rates on the public API in eu-west. Requests that fail \
                can be retried safely; webhooks are queued and will be delivered. We will post the \
                next update once the faulty deployment has been rolled back everywhere.";
    open_with_body(env, &page, "Elevated API error rates", "major", long);
    let browser = env.browser();
    let modes = [
        ("top", "", "sticky"),
        ("bottom", "", "fixed"),
        ("toast", "", "fixed"),
        ("inline", "data-target=\"#slot\"", "static"),
        ("badge", "data-target=\"#footer\"", "static"),
    ];
    for (mode, extra, position) in modes {
        for theme in ["light", "dark"] {
            let url = embed(
                env,
                &format!("mode-{mode}-{theme}"),
                "",
                &format!("data-page=\"{page}\" data-endpoint=\"{}\" data-mode=\"{mode}\" data-theme=\"{theme}\" {extra}", env.base),
                "<main><p>Product content</p><div id=\"slot\"></div></main><footer id=\"footer\">Footer</footer>",
            );
            browser.goto(&url);
            let selector = if mode == "badge" { ".badge" } else { ".banner" };
            let text = eventually(&format!("{mode} {theme}"), WAIT, || {
                browser.shadow_text(selector)
            });
            assert!(text.contains("Elevated API error rates"), "{text}");
            let placed = browser.eval(
                &format!("{SHADOW} return [getComputedStyle(h).position, h.parentElement.id || h.parentElement.tagName, r.querySelector('.root').dataset.theme, getComputedStyle(r.querySelector('{selector}')).backgroundColor]"),
                vec![],
            );
            assert_eq!(placed[0], position, "{mode}: {placed}");
            let parent = match mode {
                "inline" => "slot",
                "badge" => "footer",
                _ => "BODY",
            };
            assert_eq!(placed[1], parent, "{mode}: {placed}");
            assert_eq!(placed[2], theme);
            let bg = placed[3].as_str().unwrap_or("").to_owned();
            let dark = bg == "rgb(59, 18, 25)";
            assert_eq!(dark, theme == "dark", "{mode} {theme}: background {bg}");
            if mode == "top" {
                let role = browser.eval(
                    &format!("{SHADOW} return r.querySelector('.banner').getAttribute('role')"),
                    vec![],
                );
                assert_eq!(role, "alert", "major interrupts");
                let more = browser
                    .shadow_text(".more")
                    .expect("a more button on a long body");
                assert_eq!(more, "More");
                let body = browser.shadow_text(".body").unwrap();
                assert!(
                    !body.contains("rolled back everywhere"),
                    "truncated: {body}"
                );
                browser.eval(
                    &format!("{SHADOW} r.querySelector('.more').click()"),
                    vec![],
                );
                let full = eventually("full body", WAIT, || {
                    browser
                        .shadow_text(".body")
                        .filter(|b| b.contains("rolled back everywhere"))
                });
                assert!(full.contains("Less"), "{full}");
            }
            browser.screenshot(&screenshots().join(format!("widget-{mode}-{theme}.png")));
        }
    }
    no_severe(browser);
}

fn dismissal_survives_a_reload_and_a_newer_update_shows_again(env: &Env) {
    let page = env.page("dismiss");
    let id = env.open_incident(&page, "Webhooks are delayed", "minor");
    let browser = env.browser();
    let url = embed_page(env, "dismiss", &page, "");
    browser.goto(&url);
    eventually("the banner", WAIT, || browser.banner_text());
    let role = browser.eval(
        &format!("{SHADOW} return r.querySelector('.banner').getAttribute('role')"),
        vec![],
    );
    assert_eq!(role, "status", "minor is polite");
    browser.eval("window.__dismissed = []; addEventListener('herald:dismiss', e => __dismissed.push(e.detail));", vec![]);
    browser.eval(
        &format!("{SHADOW} r.querySelector('.dismiss').click()"),
        vec![],
    );
    eventually("the banner to go", WAIT, || {
        browser.banner_text().is_none().then_some(())
    });
    assert_eq!(browser.eval("return __dismissed.length", vec![]), 1);
    browser.goto(&url);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        browser.banner_text(),
        None,
        "dismissal remembered across reloads"
    );
    env.post_update(
        &page,
        &id,
        "identified",
        "A queue consumer was stuck; restarting it.",
    );
    let text = eventually("the newer update", WAIT, || browser.banner_text());
    assert!(text.contains("queue consumer"), "{text}");
    no_severe(browser);
}

fn component_filter_hides_unrelated_items(env: &Env) {
    let page = env.page("filter");
    env.open_incident(&page, "API is slow", "minor");
    let browser = env.browser();
    let url = embed(
        env,
        "filter",
        "",
        &format!(
            "data-page=\"{page}\" data-endpoint=\"{}\" data-components=\"web\"",
            env.base
        ),
        "",
    );
    browser.goto(&url);
    eventually("the widget to load", WAIT, || {
        (browser.eval("return !!document.querySelector('herald-widget')", vec![]) == true)
            .then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        browser.banner_text(),
        None,
        "an API incident is not shown to a web-only filter"
    );
    browser.eval(
        &format!(
            "Herald.init({{page: '{page}', endpoint: '{}', components: ['api']}})",
            env.base
        ),
        vec![],
    );
    let text = eventually("the banner", WAIT, || browser.banner_text());
    assert!(text.contains("API is slow"));
}

fn audience_token_reveals_private_items_and_destroy_removes_the_widget(env: &Env) {
    let page = env.page("audience");
    let settings = serde_json::json!({"name": "Audience test",
        "components": [{"id": "api", "name": "API"}],
        "audiences": [{"segment": "plan:enterprise", "name": "Enterprise"}]});
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &settings.to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let body = serde_json::json!({"title": "Enterprise SSO outage", "impact": "critical",
        "body": "SAML sign-in fails.", "visibility": {"segments": ["plan:enterprise"]}});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let secret = env.widget_secret(&page);
    let now = unix_now();
    let token = herald_shared::token::sign(
        &herald_shared::token::AudienceClaims {
            page: page.clone(),
            segments: vec!["plan:enterprise".into()],
            exp: now + 600,
            nbf: None,
            iat: Some(now),
            sub: None,
        },
        secret.as_bytes(),
    );
    let browser = env.browser();
    let url = embed_page(env, "audience", &page, "");
    browser.goto(&url);
    eventually("the loader's first poll", WAIT, || {
        (banner_requests(browser) >= 1).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(browser.banner_text(), None, "the public sees nothing");
    browser.eval(&format!("Herald.setAudienceToken('{token}')"), vec![]);
    let text = eventually("the private banner", WAIT, || browser.banner_text());
    assert!(text.contains("Enterprise SSO outage"), "{text}");
    browser.eval("Herald.destroy()", vec![]);
    assert_eq!(
        browser.eval(
            "return document.querySelector('herald-widget') === null",
            vec![]
        ),
        true,
        "destroy removes the widget"
    );
    let before = banner_requests(browser);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(banner_requests(browser), before, "and stops polling");
    no_severe(browser);
}

fn banner_requests(browser: &xtask::webdriver::Browser) -> u64 {
    browser
        .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('banner.json')).length", vec![])
        .as_u64()
        .unwrap_or(0)
}

fn hidden_tab_pauses_polling_and_refreshes_when_visible(env: &Env) {
    let page = env.page("hidden");
    let id = env.open_incident(&page, "Search is degraded", "minor");
    let browser = env.browser();
    let url = embed_page(env, "hidden", &page, "");
    browser.goto(&url);
    eventually("the banner", WAIT, || browser.banner_text());
    // A hidden tab, simulated: the document reports hidden and says so.
    browser.eval("Object.defineProperty(document, 'hidden', {configurable: true, get: () => true}); document.dispatchEvent(new Event('visibilitychange'));", vec![]);
    std::thread::sleep(Duration::from_millis(1500));
    let before = banner_requests(browser);
    env.post_update(&page, &id, "monitoring", "A fix is deployed; watching.");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(banner_requests(browser), before, "no polls while hidden");
    assert!(!browser
        .banner_text()
        .unwrap_or_default()
        .contains("fix is deployed"));
    browser.eval("Object.defineProperty(document, 'hidden', {configurable: true, get: () => false}); document.dispatchEvent(new Event('visibilitychange'));", vec![]);
    let text = eventually("a refresh on visible", WAIT, || {
        browser
            .banner_text()
            .filter(|t| t.contains("fix is deployed"))
    });
    assert!(text.contains("Monitoring"), "{text}");
}

fn endpoint_down_or_invalid_json_hides_with_one_warning_and_recovers(env: &Env) {
    let host = crate::host::host();
    let api = "/v1/pages/flaky/banner.json";
    let quiet =
        r#"{"page":{"id":"flaky","name":"Flaky","url":"/flaky"},"item":null,"poll_after":1}"#;
    let item = |title: &str| {
        format!(
            r#"{{"page":{{"id":"flaky","name":"Flaky","url":"/flaky"}},"item":{{"kind":"incident","id":"i1","update_id":"{title}","title":"{title}","impact":"minor","status":"investigating","body":"b","updated_at":"2026-01-01T00:00:00Z","components":[]}},"poll_after":1}}"#
        )
    };
    host.put(api, 200, "application/json", &[], quiet);
    let browser = env.browser();
    browser.console();
    let url = embed(
        env,
        "flaky",
        "",
        &format!("data-page=\"flaky\" data-endpoint=\"{}\"", host.base),
        "<p id=\"mine\">host content</p>",
    );
    browser.goto(&url);
    std::thread::sleep(Duration::from_secs(2));
    host.put(api, 200, "application/json", &[], "{ this is not json");
    eventually("a warning", WAIT, || {
        browser
            .console()
            .into_iter()
            .find(|(_, m)| m.contains("[herald]"))
    });
    assert_eq!(
        browser.eval("return document.querySelector('herald-widget')", vec![]),
        serde_json::Value::Null
    );
    // Back: the loader recovers (after its back-off) and the wasm shows the item.
    host.put(api, 200, "application/json", &[], &item("First problem"));
    let text = eventually("the banner after recovery", Duration::from_secs(30), || {
        browser.banner_text()
    });
    assert!(text.contains("First problem"));
    // The endpoint fails under the running widget: it hides with one warning, then comes back.
    browser.console();
    host.put(api, 500, "text/plain", &[], "down");
    eventually("the widget to hide", WAIT, || {
        browser.banner_text().is_none().then_some(())
    });
    host.put(api, 200, "application/json", &[], "<html>garbage</html>");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(browser.banner_text(), None);
    let warnings: Vec<_> = browser
        .console()
        .into_iter()
        .filter(|(_, m)| m.contains("[herald]"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning for one outage: {warnings:?}"
    );
    host.put(api, 200, "application/json", &[], &item("Second problem"));
    let text = eventually(
        "the banner after the outage",
        Duration::from_secs(40),
        || browser.banner_text(),
    );
    assert!(text.contains("Second problem"));
    host.put(api, 200, "application/json", &[], quiet);
    eventually("quiet again", WAIT, || {
        browser.banner_text().is_none().then_some(())
    });
    assert_eq!(browser.shadow_text("p"), None);
    assert_eq!(
        browser.eval("return document.getElementById('mine').textContent", vec![]),
        "host content"
    );
    no_severe(browser);
}

fn hostile_host_css_neither_reaches_the_widget_nor_is_changed(env: &Env) {
    let page = env.page("hostile");
    env.open_incident(&page, "Logins fail", "critical");
    let hostile = "<style>* { font-family: 'Comic Sans MS', cursive !important; color: #0f0 !important; \
                   line-height: 5 !important; letter-spacing: 3px !important; text-transform: lowercase !important; \
                   visibility: visible !important; } div, p, span, a, button { all: unset !important; } \
                   .banner, .title, .status, .icon, .link, .dismiss, .root, .body { display: none !important; } \
                   herald-widget { opacity: 1 !important; } html, body { direction: rtl; }</style>";
    let body = "<div class=\"banner\" id=\"host-banner\">the host's own banner</div>";
    let url = embed(
        env,
        "hostile",
        hostile,
        &format!(
            "data-page=\"{page}\" data-endpoint=\"{}\" data-theme=\"light\"",
            env.base
        ),
        body,
    );
    let browser = env.browser();
    browser.goto(&url);
    eventually("the banner", WAIT, || browser.banner_text());
    let style = browser.eval(
        &format!("{SHADOW} const b = r.querySelector('.banner'), t = r.querySelector('.title'); const s = getComputedStyle(t);
          return [getComputedStyle(b).display, s.fontFamily, s.color, s.textTransform, b.getBoundingClientRect().height > 20, r.querySelector('.root').dir]"),
        vec![],
    );
    assert_eq!(style[0], "flex", "{style}");
    assert!(!style[1].as_str().unwrap().contains("Comic"), "{style}");
    assert_ne!(style[2], "rgb(0, 255, 0)", "{style}");
    assert_eq!(style[3], "none", "{style}");
    assert_eq!(style[4], true, "{style}");
    let host = browser.eval("const e = document.getElementById('host-banner'); return [getComputedStyle(e).display, e.textContent, e.parentElement.tagName]", vec![]);
    assert_eq!(
        host,
        serde_json::json!(["none", "the host's own banner", "BODY"])
    );
    browser.screenshot(&screenshots().join("widget-hostile-css.png"));
    no_severe(browser);
}

fn strict_csp_host_page_shows_the_banner(env: &Env) {
    let page = env.page("csp");
    env.open_incident(&page, "Exports are paused", "major");
    // `connect-src` names the live socket's origin too (`ws:` here, `wss:` in production).
    let csp = format!(
        "default-src 'none'; script-src {0} 'wasm-unsafe-eval'; connect-src {0} {1}; style-src 'none'; img-src data:",
        env.base,
        env.base.replacen("http", "ws", 1)
    );
    let html = embed_html(
        env,
        "",
        &format!("data-page=\"{page}\" data-endpoint=\"{}\"", env.base),
        "",
    );
    let url = crate::host::host().page("/csp.html", &[("content-security-policy", &csp)], &html);
    let browser = env.browser();
    browser.console();
    browser.goto(&url);
    let text = eventually("the banner under a strict CSP", WAIT, || {
        browser.banner_text()
    });
    assert!(text.contains("Exports are paused"));
    let styled = browser.eval(
        &format!("{SHADOW} return getComputedStyle(r.querySelector('.banner')).display"),
        vec![],
    );
    assert_eq!(styled, "flex", "adopted stylesheets pass style-src 'none'");
    no_severe(browser);
}

fn keyboard_only_use_reaches_more_link_and_dismiss(env: &Env) {
    let page = env.page("keys");
    let body = "word ".repeat(60);
    open_with_body(env, &page, "Keyboard test", "minor", &body);
    let url = embed_page(env, "keys", &page, "<p>host <a href=\"#x\">link</a></p>");
    let browser = env.browser();
    browser.goto(&url);
    eventually("the banner", WAIT, || browser.banner_text());
    browser.eval("document.activeElement && document.activeElement.blur(); window.__d = 0; addEventListener('herald:dismiss', () => __d++);", vec![]);
    let focused = || {
        browser
            .eval(&format!("{SHADOW} const a = r && r.activeElement; return a ? a.className + '|' + getComputedStyle(a).outlineStyle : null"), vec![])
            .as_str()
            .map(str::to_owned)
    };
    let mut seen = Vec::new();
    for _ in 0..6 {
        browser.keys("\u{E004}");
        if let Some(f) = focused() {
            seen.push(f.clone());
            if f.starts_with("dismiss") {
                break;
            }
        }
    }
    let classes: Vec<&str> = seen.iter().map(|s| s.split('|').next().unwrap()).collect();
    assert_eq!(classes, ["more", "link", "dismiss"], "{seen:?}");
    assert!(
        seen.iter().all(|s| s.ends_with("|solid")),
        "visible focus: {seen:?}"
    );
    browser.keys("\u{E007}");
    eventually("dismissed by keyboard", WAIT, || {
        browser.banner_text().is_none().then_some(())
    });
    assert_eq!(browser.eval("return __d", vec![]), 1);
}

fn each_locale_renders_and_arabic_is_mirrored(env: &Env) {
    let page = env.page("locales");
    env.open_incident(&page, "Payments are delayed", "minor");
    let url = embed_page(env, "locales", &page, "");
    let browser = env.browser();
    browser.goto(&url);
    eventually("the banner", WAIT, || browser.banner_text());
    let cases = [
        ("en", "Investigating", "Status page", "ltr"),
        ("de-DE", "Wird untersucht", "Statusseite", "ltr"),
        ("fr", "Analyse en cours", "Page d’état", "ltr"),
        ("es", "Investigando", "Página de estado", "ltr"),
        ("pt-BR", "Investigando", "Página de status", "ltr"),
        ("ja", "調査中", "ステータスページ", "ltr"),
        ("ar", "قيد التحقيق", "صفحة الحالة", "rtl"),
    ];
    for (locale, status, link, dir) in cases {
        browser.eval(
            &format!(
                "Herald.init({{page: '{page}', endpoint: '{}', locale: '{locale}'}})",
                env.base
            ),
            vec![],
        );
        let got = eventually(locale, WAIT, || {
            let v = browser.eval(&format!("{SHADOW} const b = r && r.querySelector('.banner'); return b ? [r.querySelector('.status').textContent, r.querySelector('.link').textContent, r.querySelector('.root').dir, r.querySelector('.root').lang, r.querySelector('.updated').textContent] : null"), vec![]);
            // The times are written in the task after the first render.
            (!v.is_null() && v[3] == locale && v[4] != "\u{a0}").then_some(v)
        });
        assert_eq!(got[0], status, "{locale}");
        assert_eq!(got[1], link, "{locale}");
        assert_eq!(got[2], dir, "{locale}");
        assert!(got[4].as_str().unwrap().chars().count() > 4, "{got}");
        if dir == "rtl" {
            let mirrored = browser.eval(&format!("{SHADOW} return r.querySelector('.icon').getBoundingClientRect().left > r.querySelector('.dismiss').getBoundingClientRect().left"), vec![]);
            assert_eq!(mirrored, true, "the icon sits on the right in RTL");
            browser.screenshot(&screenshots().join("widget-locale-ar.png"));
        }
    }
    no_severe(browser);
}

fn statuspage_source_mode_over_samples(env: &Env) {
    let host = crate::host::host();
    let dir = xtask::root().join("shared/tests/fixtures/statuspage");
    let samples = [
        ("summary.json", Some("Elevated error rates on the REST API")),
        ("tolerant.json", Some("")),
        ("incidents-unresolved.json", None),
        ("scheduled-maintenances-active.json", None),
    ];
    let browser = env.browser();
    for (file, title) in samples {
        let text = std::fs::read_to_string(dir.join(file)).expect("fixture");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let expected = title
            .map(str::to_owned)
            .or_else(|| {
                json["incidents"]
                    .as_array()
                    .and_then(|a| {
                        a.iter()
                            .find(|i| i["status"] != "resolved" && i["status"] != "postmortem")
                    })
                    .or_else(|| {
                        json["scheduled_maintenances"]
                            .as_array()
                            .and_then(|a| a.iter().find(|m| m["status"] == "in_progress"))
                    })
                    .and_then(|i| i["name"].as_str())
                    .map(str::to_owned)
            })
            .expect("a sample with something to show");
        let path = format!("/sp/{file}");
        host.put(&path, 200, "application/json", &[], &text);
        let name = file.trim_end_matches(".json");
        let url = embed(
            env,
            &format!("sp-{name}"),
            "",
            &format!("data-format=\"statuspage\" data-src=\"{path}\""),
            "",
        );
        browser.goto(&url);
        let shown = eventually(file, WAIT, || browser.banner_text());
        assert!(shown.contains(&expected), "{file}: {shown}");
        if file == "summary.json" {
            browser.screenshot(&screenshots().join("widget-statuspage.png"));
        }
    }
    host.put("/sp/quiet.json", 200, "application/json", &[], r#"{"page":{"id":"q","name":"Q","url":"https://q.example"},"incidents":[],"scheduled_maintenances":[],"components":[],"status":{"indicator":"none","description":"ok"}}"#);
    let url = embed(
        env,
        "sp-quiet",
        "",
        "data-format=\"statuspage\" data-src=\"/sp/quiet.json\"",
        "",
    );
    browser.goto(&url);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        browser.eval(
            "return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))",
            vec![]
        ),
        false,
        "a quiet summary loads no wasm"
    );
    no_severe(browser);
}

/// Class of the element focused inside the widget, if focus is there.
fn focused_in_widget(browser: &xtask::webdriver::Browser) -> Option<String> {
    browser
        .eval(
            &format!("{SHADOW} const a = r && r.activeElement; return a ? a.className : null"),
            vec![],
        )
        .as_str()
        .map(str::to_owned)
}

/// The address field's state: [value, aria-invalid, the text of what describes it].
fn address_state(browser: &xtask::webdriver::Browser) -> serde_json::Value {
    browser.eval(
        &format!(
            "{SHADOW} const i = r && r.querySelector('.address'); if (!i) return null;
             const d = (i.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
               .map(id => r.getElementById(id)).filter(e => e && !e.hidden).map(e => e.textContent).join(' ');
             return [i.value, i.getAttribute('aria-invalid'), d]"
        ),
        vec![],
    )
}

fn subscribe_form_double_opt_in_notifies_until_one_click_unsubscribe(env: &Env) {
    let page = env.page("wsub");
    env.open_incident(&page, "Search is slow", "minor");
    let url = embed(
        env,
        "subscribe",
        "",
        &format!(
            "data-page=\"{page}\" data-endpoint=\"{}\" data-subscribe=\"true\" data-theme=\"light\"",
            env.base
        ),
        "<main><p>Product content</p></main>",
    );
    let browser = env.browser();
    browser.console();
    browser.goto(&url);
    eventually("the banner", WAIT, || browser.banner_text());
    browser.eval(
        "window.__subs = []; addEventListener('herald:subscribe', e => __subs.push(e.detail));",
        vec![],
    );
    browser.eval(
        &format!("{SHADOW} r.querySelector('.subscribe').click()"),
        vec![],
    );
    eventually("focus in the form's address field", WAIT, || {
        focused_in_widget(browser).filter(|c| c.contains("address"))
    });
    assert_eq!(
        browser.eval("return __subs", vec![]),
        serde_json::json!([page])
    );
    let panel = browser.eval(
        &format!("{SHADOW} const p = r.querySelector('[part=subscribe-form]'); return [p.getAttribute('role'), r.getElementById(p.getAttribute('aria-labelledby')).textContent, r.querySelectorAll('input[type=checkbox]').length, r.querySelector('.banner') !== null]"),
        vec![],
    );
    assert_eq!(
        panel,
        serde_json::json!(["dialog", "Get status updates", 1, true]),
        "a labelled dialog under the banner, the incident's component offered"
    );
    browser.screenshot(&screenshots().join("widget-subscribe-form.png"));

    // The server refuses a malformed address: its detail is shown next to the field, the input kept.
    browser.keys("not-an-address\u{E007}");
    let state = eventually("the problem next to the field", WAIT, || {
        let s = address_state(browser);
        (s[1] == "true").then_some(s)
    });
    assert_eq!(state[0], "not-an-address", "{state}");
    assert!(
        state[2]
            .as_str()
            .unwrap_or("")
            .contains("not a valid email address"),
        "{state}"
    );
    assert_eq!(
        focused_in_widget(browser).as_deref(),
        Some("address"),
        "focus stays on the field to correct"
    );

    // A real address, typed and sent with Enter: the pending message.
    let email = format!("widget-{page}@example.com");
    browser.eval(
        &format!("{SHADOW} const i = r.querySelector('.address'); i.value = ''; i.dispatchEvent(new Event('input'));"),
        vec![],
    );
    browser.keys(&format!("{email}\u{E007}"));
    let note = eventually("the pending message", WAIT, || {
        browser
            .shadow_text("[part=subscribe-note]")
            .filter(|t| !t.is_empty())
    });
    assert!(note.starts_with("Check your inbox"), "{note}");
    assert_eq!(
        browser.eval(
            &format!("{SHADOW} return r.querySelector('form').hidden"),
            vec![]
        ),
        true
    );
    browser.screenshot(&screenshots().join("widget-subscribe-pending.png"));

    // Double opt-in: nothing but the confirmation until its link is followed.
    let confirm = wait_mail(env, &email, "Confirm", 1);
    let path = crate::fixtures::link(
        env,
        confirm[0]["text"].as_str().unwrap_or(""),
        "/v1/subscriptions/confirm",
    );
    let r = crate::fixtures::press(env, &path);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("Subscription confirmed"), "{}", r.body);
    let incident = env.open_incident(&page, "Webhooks are delayed", "major");
    let notice = wait_mail(env, &email, "Webhooks are delayed", 1);
    let unsubscribe = notice[0]["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap_or("")
        .to_owned();

    // One-click unsubscribe (RFC 8058), then a further update reaches a sentinel but not the address.
    let r = env.send(
        "POST",
        &crate::fixtures::link(env, &unsubscribe, "/v1/subscriptions/unsubscribe"),
        None,
        Some("List-Unsubscribe=One-Click"),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(r.status, 200, "{r:?}");
    let sentinel = format!("sentinel-{page}@example.com");
    let body = serde_json::json!({"email": sentinel, "components": []}).to_string();
    let r = env.send(
        "POST",
        &format!("/v1/pages/{page}/subscriptions"),
        None,
        Some(&body),
        &[("content-type", "application/json")],
    );
    assert_eq!(r.status, 202, "{r:?}");
    let confirm = wait_mail(env, &sentinel, "Confirm", 1);
    let r = crate::fixtures::press(
        env,
        &crate::fixtures::link(
            env,
            confirm[0]["text"].as_str().unwrap_or(""),
            "/v1/subscriptions/confirm",
        ),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let before = mail_to(env, &email).len();
    let r = env.post_update(
        &page,
        &incident,
        "identified",
        "A stuck queue consumer; restarting it.",
    );
    assert_eq!(r.status, 201, "{r:?}");
    wait_mail(env, &sentinel, "Webhooks are delayed", 1);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        mail_to(env, &email).len(),
        before,
        "nothing after unsubscribing"
    );
    // Chromium logs the refused request itself (the 422 above) as an error; nothing else may be one.
    let errors: Vec<_> = browser
        .console()
        .into_iter()
        .filter(|(level, m)| {
            level == "SEVERE" && !(m.contains("/subscriptions") && m.contains("422"))
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

fn open_subscribe_on_a_quiet_page_shows_the_form(env: &Env) {
    let page = env.page("wquiet");
    let url = embed(
        env,
        "quiet-subscribe",
        "",
        &format!(
            "data-page=\"{page}\" data-endpoint=\"{}\" data-mode=\"bottom\"",
            env.base
        ),
        "<main><p>Product content</p><button id=\"host-subscribe\">Get updates</button></main>",
    );
    let browser = env.browser();
    browser.console();
    browser.goto(&url);
    eventually("the loader's first poll", WAIT, || {
        (banner_requests(browser) >= 1).then_some(())
    });
    let wasm =
        "return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))";
    assert_eq!(browser.eval(wasm, vec![]), false, "no wasm on a quiet day");
    // The host's own button calls the API, as a product would.
    browser.eval(
        "window.__subs = []; addEventListener('herald:subscribe', e => __subs.push(e.detail));
         const b = document.getElementById('host-subscribe'); b.onclick = () => Herald.openSubscribe(); b.focus();",
        vec![],
    );
    browser.keys("\u{E007}");
    eventually("the form on a quiet page", WAIT, || {
        focused_in_widget(browser).filter(|c| c.contains("address"))
    });
    assert_eq!(browser.eval(wasm, vec![]), true);
    assert_eq!(browser.banner_text(), None, "no banner, only the form");
    assert_eq!(
        browser.eval("return __subs", vec![]),
        serde_json::json!([page])
    );
    let labelled = browser.eval(
        &format!("{SHADOW} const i = r.querySelector('.address'); return [r.querySelector('label[for=' + i.id + ']').textContent.trim(), r.querySelectorAll('input[type=checkbox]').length]"),
        vec![],
    );
    assert_eq!(
        labelled,
        serde_json::json!(["Email address", 0]),
        "no component list on a quiet day: all components"
    );
    browser.screenshot(&screenshots().join("widget-subscribe-quiet.png"));

    // Escape closes it and gives focus back to the host's button; the API opens it again.
    browser.keys("\u{E00C}");
    eventually("the form to close", WAIT, || {
        browser
            .shadow_text("[part=subscribe-form]")
            .is_none()
            .then_some(())
    });
    assert_eq!(
        browser.eval("return document.activeElement.id", vec![]),
        "host-subscribe"
    );
    browser.eval("Herald.openSubscribe()", vec![]);
    eventually("the form again", WAIT, || {
        focused_in_widget(browser).filter(|c| c.contains("address"))
    });
    assert_eq!(browser.eval("return __subs.length", vec![]), 2);

    // It subscribes from there too.
    let email = format!("quiet-{page}@example.com");
    browser.keys(&format!("{email}\u{E007}"));
    let note = eventually("the pending message", WAIT, || {
        browser
            .shadow_text("[part=subscribe-note]")
            .filter(|t| !t.is_empty())
    });
    assert!(note.starts_with("Check your inbox"), "{note}");
    wait_mail(env, &email, "Confirm", 1);

    // Right after `init`, before the first answer: the form opens alone, here mirrored and dark.
    browser.eval(
        &format!(
            "Herald.init({{page: '{page}', endpoint: '{}', mode: 'bottom', locale: 'ar', theme: 'dark'}}); Herald.openSubscribe();",
            env.base
        ),
        vec![],
    );
    let got = eventually("the Arabic form", WAIT, || {
        let v = browser.eval(&format!("{SHADOW} const p = r && r.querySelector('[part=subscribe-form]'); return p ? [r.querySelector('.root').dir, r.querySelector('[part=subscribe-title]').textContent, p.getBoundingClientRect().left < innerWidth / 2, getComputedStyle(p).backgroundColor] : null"), vec![]);
        (!v.is_null()).then_some(v)
    });
    assert_eq!(
        got,
        serde_json::json!(["rtl", "تلقي تحديثات الحالة", true, "rgb(22, 27, 34)"]),
        "mirrored to the left, dark surface"
    );
    browser.screenshot(&screenshots().join("widget-subscribe-ar-dark.png"));
    no_severe(browser);
}

//! The console's subscribers screen in headless Chromium: counts and pages of the masked list, a
//! lookup that finds the exact address and not a near miss, an import with its per-row report, the
//! export saved as a file and audited, an erasure after a second click and audited; a viewer key
//! sees no export or erase control and the API refuses both (403). Screenshots light and dark.

use serde_json::json;
use xtask::webdriver::Browser;

use super::{
    click, eventually, exists, fill, no_serious_violations, severe, shoot, sign_in, text, wait_for,
    wait_text, WAIT,
};
use crate::fixtures::Env;
use crate::subscribers::{import, person};
use crate::{tests, Test};

pub const TESTS: &[Test] = tests![
    subscribers_are_counted_paged_found_imported_exported_and_erased,
    a_viewer_key_cannot_export_or_erase_subscribers,
];

fn rows(b: &Browser, table: &str) -> usize {
    b.eval(
        "return document.querySelectorAll(arguments[0] + ' tbody tr').length;",
        vec![json!(table)],
    )
    .as_u64()
    .unwrap_or(0) as usize
}

fn count(b: &Browser, selector: &str) -> Option<String> {
    text(b, &format!("{selector} td")).map(|t| t.trim().to_owned())
}

fn subscribers_are_counted_paged_found_imported_exported_and_erased(env: &Env) {
    let page = env.page("console-subs");
    import(env, &page, 23, 0);
    sign_in(env, &page, &env.key);
    let browser = env.browser();
    click(browser, "#nav-subscribers");
    eventually("23 confirmed", WAIT, || {
        (count(browser, "#counts-states tr[data-state='confirmed']").as_deref() == Some("23"))
            .then_some(())
    });
    assert_eq!(
        count(browser, "#counts-channels tr[data-channel='email']").as_deref(),
        Some("23")
    );
    assert_eq!(
        count(browser, "#counts-components tr[data-component='api']").as_deref(),
        Some("15"),
        "8 chose api, 7 chose every component"
    );

    // Pages of 20: next, then previous.
    eventually("a full first page", WAIT, || {
        (rows(browser, "#subscriber-list") == 20).then_some(())
    });
    let listed = text(browser, "#subscriber-list tbody").unwrap_or_default();
    assert!(!listed.contains(&page), "addresses are masked: {listed}");
    assert_eq!(
        text(browser, "#subscribers-page").as_deref(),
        Some("Page 1")
    );
    click(browser, "#subscribers-next");
    wait_text(browser, "the second page", "#subscribers-page", "Page 2");
    eventually("3 on the second page", WAIT, || {
        (rows(browser, "#subscriber-list") == 3).then_some(())
    });
    let disabled = |sel: &str| {
        browser.eval(
            "return document.querySelector(arguments[0]).disabled;",
            vec![json!(sel)],
        ) == true
    };
    assert!(disabled("#subscribers-next"), "no third page");
    click(browser, "#subscribers-prev");
    wait_text(
        browser,
        "the first page again",
        "#subscribers-page",
        "Page 1",
    );
    eventually("20 again", WAIT, || {
        (rows(browser, "#subscriber-list") == 20).then_some(())
    });

    // The exact address finds one; a near miss finds none; a part of one is refused at its field.
    let exact = person(&page, 7);
    fill(
        browser,
        "#lookup-address",
        &exact.replace("example.com", "Example.COM"),
    );
    click(browser, "#lookup-submit");
    wait_text(browser, "one found", "#lookup-found", "Found 1 subscriber");
    assert_eq!(rows(browser, "#lookup-list"), 1);
    fill(browser, "#lookup-address", &exact.replace("p07", "p7"));
    click(browser, "#lookup-submit");
    wait_text(browser, "none found", "#lookup-found", "No subscriber");
    assert!(!exists(browser, "#lookup-list"));
    fill(browser, "#lookup-address", "p07");
    click(browser, "#lookup-submit");
    let error = wait_text(
        browser,
        "the address's error",
        "#lookup-address-error",
        "not an email address",
    );
    assert!(!error.is_empty());

    // Import: pasted CSV, with the per-row report.
    let csv = format!(
        "type,identifier\nemail,new-{page}@example.com,API\nemail,not-an-address\nemail,{}\n",
        person(&page, 1)
    );
    fill(browser, "#import-text", &csv);
    click(browser, "#import-submit");
    let summary = wait_text(browser, "the report", "#import-summary", "added");
    assert!(
        summary.contains("1 added")
            && summary.contains("1 already subscribed")
            && summary.contains("1 invalid"),
        "{summary}"
    );
    let refused = text(browser, "#import-rows").unwrap_or_default();
    assert!(refused.contains("Row 3"), "the CSV's own line: {refused}");
    eventually("24 confirmed", WAIT, || {
        (count(browser, "#counts-states tr[data-state='confirmed']").as_deref() == Some("24"))
            .then_some(())
    });
    shoot(browser, "subscribers", true);
    no_serious_violations(env, "subscribers");

    // Export: saved as a file, and in the audit.
    click(browser, "#export-subscribers-csv");
    let note = wait_text(browser, "the export", ".flash", "Exported");
    assert!(
        note.contains(&format!("herald-subscribers-{page}.csv")),
        "{note}"
    );
    let href = browser.eval(
        "return document.querySelector('#subscribers-export-link').href;",
        vec![],
    );
    assert!(href.as_str().unwrap_or("").starts_with("blob:"), "{href}");

    // Erasure: the first click arms, the second erases.
    let id = browser
        .eval(
            "return document.querySelector('#subscriber-list tbody tr').dataset.subscriber;",
            vec![],
        )
        .as_str()
        .expect("a listed subscriber")
        .to_owned();
    let button = format!("#subscriber-list tr[data-subscriber='{id}'] .erase");
    click(browser, &button);
    assert_eq!(text(browser, &button).as_deref(), Some("Confirm: erase"));
    let total = |env: &Env| {
        env.admin(
            "GET",
            &format!("/v1/admin/pages/{page}/subscribers/counts"),
            "",
        )
        .json()["total"]
            .clone()
    };
    assert_eq!(total(env), 24, "one click erases nothing");
    click(browser, &button);
    wait_text(browser, "the erasure", ".flash", "erased");
    assert_eq!(total(env), 23);
    eventually("the row gone", WAIT, || {
        (!exists(
            browser,
            &format!("#subscriber-list tr[data-subscriber='{id}']"),
        ))
        .then_some(())
    });
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(audit.body.contains("subscribers.export"), "{}", audit.body);
    assert!(audit.body.contains("subscriber.delete"), "{}", audit.body);
    assert!(
        audit.body.contains(&id),
        "the erasure names whom: {}",
        audit.body
    );
    assert!(
        !audit.body.contains(&exact),
        "never an address in the audit"
    );
    // The refused lookup is the only error the console logged.
    let errors = severe(browser);
    assert!(
        errors
            .iter()
            .all(|(_, m)| m.contains("subscribers/lookup") && m.contains("422")),
        "console errors: {errors:?}"
    );
}

fn a_viewer_key_cannot_export_or_erase_subscribers(env: &Env) {
    let page = env.page("console-subs-viewer");
    import(env, &page, 3, 0);
    let id = env
        .admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "")
        .json()[0]["id"]
        .as_str()
        .expect("a subscriber")
        .to_owned();
    let (_, viewer) = crate::admin::create_key(env, &page, "viewer");
    sign_in(env, &page, &viewer);
    let browser = env.browser();
    click(browser, "#nav-subscribers");
    wait_for(
        browser,
        "the counts",
        "#counts-states tr[data-state='confirmed'] td",
    );
    wait_for(browser, "the role's note", "#subscribers-role-note");
    for selector in [
        "#export-subscribers-csv",
        "#export-subscribers-json",
        ".erase",
        "#subscriber-import",
        "#subscriber-list",
        "#subscriber-lookup",
    ] {
        assert!(!exists(browser, selector), "a viewer sees {selector}");
    }
    shoot(browser, "subscribers-viewer", false);
    // The API refuses them too.
    let export = env.send(
        "GET",
        &format!("/v1/admin/pages/{page}/subscribers/export?format=csv"),
        Some(&viewer),
        None,
        &[],
    );
    assert_eq!(export.problem(403)["status"], 403, "{export:?}");
    let erase = env.send(
        "DELETE",
        &format!("/v1/admin/pages/{page}/subscribers/{id}"),
        Some(&viewer),
        None,
        &[],
    );
    assert_eq!(erase.problem(403)["status"], 403, "{erase:?}");
    let counts = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/subscribers/counts"),
            "",
        )
        .json();
    assert_eq!(counts["total"], 3, "nothing erased: {counts}");

    // A communicator lists and finds, but is offered neither export nor erasure.
    let (_, communicator) = crate::admin::create_key(env, &page, "communicator");
    click(browser, "#signout");
    sign_in(env, &page, &communicator);
    click(browser, "#nav-subscribers");
    eventually("the list", WAIT, || {
        (rows(browser, "#subscriber-list") == 3).then_some(())
    });
    for selector in ["#export-subscribers-csv", ".erase", "#subscriber-import"] {
        assert!(!exists(browser, selector), "a communicator sees {selector}");
    }
    assert!(exists(browser, "#subscriber-lookup"));
    no_serious_violations(env, "subscribers (communicator)");
    let errors = severe(browser);
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

//! The widget in headless Chromium against the worker in workerd: the demo page shows the banner in
//! the widget's shadow root and drops it when the incident is resolved, without a reload.

use std::time::Duration;

use crate::fixtures::{eventually, Env};
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

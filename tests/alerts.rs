//! Alerts in, against workerd: integrations made, listed (never their secret) and revoked by an
//! admin; deliveries in the exact shapes of Alertmanager's webhook (version 4), Grafana's webhook
//! contact point and Herald's generic form set component statuses and hold a draft incident for
//! review (nothing published, nothing sent); a group's later alerts join its incident; a
//! resolution sets the components back and proposes a resolved update as a draft; a repeated
//! delivery changes nothing; a wrong or revoked secret is refused; the audit names the integration.

use serde_json::{json, Value};

use crate::admin::create_key;
use crate::fixtures::Env;
use crate::{tests, Test};

pub const TESTS: &[Test] = tests![
    alertmanager_firing_grouped_resolved_and_repeated,
    grafana_contact_point_opens_a_draft_through_mapped_labels,
    generic_form_and_bad_payloads_change_nothing,
    integrations_are_admin_only_secret_once_and_revocable,
];

/// Makes an integration and returns its id and secret.
fn integration(env: &Env, page: &str, name: &str, kind: &str, rules: Value) -> (String, String) {
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/integrations"),
        &json!({"name": name, "kind": kind, "rules": rules}).to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let v = r.json();
    assert_eq!(
        v["endpoint"],
        format!(
            "/v1/pages/{page}/integrations/{}/alerts",
            v["id"].as_str().unwrap()
        )
    );
    (
        v["id"].as_str().unwrap().to_owned(),
        v["secret"].as_str().unwrap().to_owned(),
    )
}

fn deliver(
    env: &Env,
    page: &str,
    id: &str,
    secret: Option<&str>,
    body: &str,
) -> crate::fixtures::Reply {
    env.send(
        "POST",
        &format!("/v1/pages/{page}/integrations/{id}/alerts"),
        secret,
        Some(body),
        &[("content-type", "application/json")],
    )
}

fn state(env: &Env, page: &str) -> Value {
    let r = env.admin("GET", &format!("/v1/admin/pages/{page}"), "");
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

fn status_of(state: &Value, component: &str) -> String {
    state["page"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == component)
        .map(|c| c["status"].as_str().unwrap_or("").to_owned())
        .unwrap_or_else(|| panic!("no component {component} in {state}"))
}

fn reviews(state: &Value) -> Vec<Value> {
    state["reviews"].as_array().cloned().unwrap_or_default()
}

fn incidents(state: &Value) -> Vec<Value> {
    state["incidents"].as_array().cloned().unwrap_or_default()
}

fn notifications(env: &Env, page: &str) -> Value {
    env.admin("GET", &format!("/v1/admin/pages/{page}/notifications"), "")
        .json()
}

fn audit(env: &Env, page: &str) -> Vec<Value> {
    env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "")
        .json()
        .as_array()
        .unwrap()
        .clone()
}

/// Alertmanager's webhook (version 4) as its documentation lists the fields.
fn alertmanager(status: &str, alerts: &[Value]) -> String {
    json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"ApiDown\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "herald",
        "groupLabels": {"alertname": "ApiDown"},
        "commonLabels": {"alertname": "ApiDown"},
        "commonAnnotations": {"summary": "API requests failing"},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": alerts,
    })
    .to_string()
}

fn am_alert(status: &str, component: &str, severity: &str, fingerprint: &str) -> Value {
    json!({
        "status": status,
        "labels": {"alertname": "ApiDown", "component": component, "severity": severity},
        "annotations": {"summary": "API requests failing"},
        "startsAt": "2026-03-01T12:00:00.000Z",
        "endsAt": if status == "resolved" { "2026-03-01T12:20:00.000Z" } else { "0001-01-01T00:00:00Z" },
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    })
}

fn alertmanager_firing_grouped_resolved_and_repeated(env: &Env) {
    let page = env.page("alerts-am");
    let (id, secret) = integration(env, &page, "prometheus", "alertmanager", json!({}));

    // Firing: the component's status is set, one draft waits for review, nothing is published.
    let firing = alertmanager("firing", &[am_alert("firing", "api", "critical", "a1")]);
    let r = deliver(env, &page, &id, Some(&secret), &firing);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["changed"], true, "{r:?}");
    let incident = r.json()["incident"].as_str().unwrap().to_owned();
    let s = state(env, &page);
    assert_eq!(status_of(&s, "api"), "major_outage");
    assert_eq!(status_of(&s, "web"), "operational");
    let held = reviews(&s);
    assert_eq!(held.len(), 1, "{s}");
    assert_eq!(held[0]["author"], "integration:prometheus");
    assert_eq!(held[0]["change"]["type"], "open_incident");
    assert_eq!(held[0]["change"]["id"], incident.as_str());
    assert_eq!(held[0]["change"]["title"], "API requests failing");
    assert!(incidents(&s).is_empty(), "published: {s}");
    assert_eq!(notifications(env, &page), json!([]));
    let summary = env.get(&format!("/v1/pages/{page}/summary.json"), &[]);
    assert!(
        !summary.body.contains("API requests failing"),
        "{}",
        summary.body
    );

    // The same delivery again changes nothing.
    let version = s["version"].clone();
    let r = deliver(env, &page, &id, Some(&secret), &firing);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["changed"], false, "{r:?}");
    assert_eq!(state(env, &page)["version"], version);

    // Grouped: a second alert of the same group joins the same incident, no second draft.
    let grouped = alertmanager(
        "firing",
        &[
            am_alert("firing", "api", "critical", "a1"),
            am_alert("firing", "web", "warning", "a2"),
        ],
    );
    let r = deliver(env, &page, &id, Some(&secret), &grouped);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["incident"], incident.as_str());
    let s = state(env, &page);
    assert_eq!(status_of(&s, "web"), "degraded_performance");
    assert_eq!(reviews(&s).len(), 1, "{s}");
    assert!(incidents(&s).is_empty(), "{s}");

    // A communicator publishes the draft (a second person: the author is the integration).
    let review = reviews(&s)[0]["id"].as_str().unwrap().to_owned();
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/reviews/{review}/approve"),
        "",
    );
    assert!(r.status < 300, "{r:?}");
    assert_eq!(incidents(&state(env, &page))[0]["id"], incident.as_str());

    // Resolved: components set back, a resolved update proposed as a draft, not published.
    let resolved = alertmanager(
        "resolved",
        &[
            am_alert("resolved", "api", "critical", "a1"),
            am_alert("resolved", "web", "warning", "a2"),
        ],
    );
    let r = deliver(env, &page, &id, Some(&secret), &resolved);
    assert_eq!(r.status, 200, "{r:?}");
    let s = state(env, &page);
    assert_eq!(status_of(&s, "api"), "operational");
    assert_eq!(status_of(&s, "web"), "operational");
    let proposals: Vec<Value> = reviews(&s)
        .into_iter()
        .filter(|r| r["change"]["type"] == "post_update")
        .collect();
    assert_eq!(proposals.len(), 1, "{s}");
    assert_eq!(proposals[0]["author"], "integration:prometheus");
    assert_eq!(proposals[0]["change"]["incident_id"], incident.as_str());
    assert_eq!(proposals[0]["change"]["status"], "resolved");
    let published = &incidents(&s)[0];
    assert_ne!(published["status"], "resolved", "{published}");
    assert_eq!(
        published["updates"].as_array().unwrap().len(),
        1,
        "{published}"
    );

    // Resolved again: nothing.
    let version = s["version"].clone();
    let r = deliver(env, &page, &id, Some(&secret), &resolved);
    assert_eq!(r.json()["changed"], false, "{r:?}");
    assert_eq!(state(env, &page)["version"], version);

    // Every effect is audited under the integration's name.
    let entries = audit(env, &page);
    let by_integration: Vec<&Value> = entries
        .iter()
        .filter(|e| e["actor"] == "integration:prometheus")
        .collect();
    let actions: Vec<&str> = by_integration
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["alerts.firing", "alerts.firing", "alerts.resolved"],
        "{entries:?}"
    );
    assert!(by_integration
        .iter()
        .all(|e| e["subject"] == incident.as_str()));
    assert!(entries
        .iter()
        .any(|e| e["action"] == "integration.create" && e["subject"] == id.as_str()));
}

/// Grafana's webhook contact point payload as its documentation shows it.
fn grafana(status: &str) -> String {
    json!({
        "receiver": "herald",
        "status": status,
        "orgId": 1,
        "alerts": [{
            "status": status,
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1"
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1}
        }],
        "groupLabels": {},
        "commonLabels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
        "commonAnnotations": {"summary": "This alert was triggered for zone us-1"},
        "externalURL": "https://play.grafana.org/",
        "version": "1",
        "groupKey": "{}:{alertname=\"High memory usage\"}",
        "truncatedAlerts": 0,
        "title": "[FIRING:1] High memory usage (blue us-1)",
        "state": "alerting",
        "message": "**Firing**\n\nLabels:\n - alertname = High memory usage\n"
    })
    .to_string()
}

fn grafana_contact_point_opens_a_draft_through_mapped_labels(env: &Env) {
    let page = env.page("alerts-grafana");
    let rules = json!({"component_label": "zone", "components": {"us-1": "web"},
        "title": "Slow responses ({{label:zone}})"});
    let (id, secret) = integration(env, &page, "grafana", "grafana", rules);
    let r = deliver(env, &page, &id, Some(&secret), &grafana("firing"));
    assert_eq!(r.status, 200, "{r:?}");
    let s = state(env, &page);
    // No severity label: a partial outage.
    assert_eq!(status_of(&s, "web"), "partial_outage");
    assert_eq!(status_of(&s, "api"), "operational");
    let held = reviews(&s);
    assert_eq!(held.len(), 1, "{s}");
    assert_eq!(held[0]["author"], "integration:grafana");
    assert_eq!(held[0]["change"]["title"], "Slow responses (us-1)");
    assert!(incidents(&s).is_empty(), "{s}");
    assert_eq!(notifications(env, &page), json!([]));
    // The draft was never published: resolving sets the component back and proposes nothing.
    let r = deliver(env, &page, &id, Some(&secret), &grafana("resolved"));
    assert_eq!(r.status, 200, "{r:?}");
    let s = state(env, &page);
    assert_eq!(status_of(&s, "web"), "operational");
    assert_eq!(reviews(&s).len(), 1, "{s}");
}

fn generic_form_and_bad_payloads_change_nothing(env: &Env) {
    let page = env.page("alerts-generic");
    let (id, secret) = integration(env, &page, "checks", "generic", json!({}));
    let version = state(env, &page)["version"].clone();
    // Not the form: refused with the reason, nothing changes.
    for bad in [
        r#"{"key": "db", "status": "burning"}"#,
        r#"{"key": "", "status": "firing"}"#,
        r#"{"key": "db", "status": "firing", "extra": 1}"#,
        "not json",
    ] {
        let r = deliver(env, &page, &id, Some(&secret), bad);
        assert!(r.status == 400 || r.status == 422, "{bad}: {r:?}");
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/problem+json")),
            "{r:?}"
        );
    }
    // Alertmanager's shape sent to a generic integration is not its form either.
    let r = deliver(
        env,
        &page,
        &id,
        Some(&secret),
        &alertmanager("firing", &[am_alert("firing", "api", "critical", "x")]),
    );
    assert!(r.status == 400 || r.status == 422, "{r:?}");
    assert_eq!(state(env, &page)["version"], version);

    let body = json!({"key": "db-primary", "status": "firing",
        "labels": {"component": "api", "severity": "warning"},
        "annotations": {"summary": "Database replication lag", "description": "replicas are behind"}})
    .to_string();
    let r = deliver(env, &page, &id, Some(&secret), &body);
    assert_eq!(r.status, 200, "{r:?}");
    let s = state(env, &page);
    assert_eq!(status_of(&s, "api"), "degraded_performance");
    let held = reviews(&s);
    assert_eq!(held.len(), 1, "{s}");
    assert_eq!(held[0]["change"]["title"], "Database replication lag");
    assert_eq!(held[0]["change"]["impact"], "minor");
    assert!(incidents(&s).is_empty(), "{s}");
}

fn integrations_are_admin_only_secret_once_and_revocable(env: &Env) {
    let page = env.page("alerts-admin");
    let (_, communicator) = create_key(env, &page, "communicator");
    let list = format!("/v1/admin/pages/{page}/integrations");
    let create = json!({"name": "prom", "kind": "alertmanager"}).to_string();
    env.send("POST", &list, Some(&communicator), Some(&create), &[])
        .problem(403);
    env.send("GET", &list, Some(&communicator), None, &[])
        .problem(403);

    // Validation: a problem naming the field.
    for (body, field) in [
        (json!({"name": "", "kind": "alertmanager"}), "name"),
        (
            json!({"name": "x", "kind": "alertmanager", "rules": {"component_label": " "}}),
            "rules.component_label",
        ),
    ] {
        let p = env.admin("POST", &list, &body.to_string()).problem(422);
        assert_eq!(p["field"], field, "{p}");
    }
    let r = env.admin(
        "POST",
        &list,
        &json!({"name": "x", "kind": "nagios"}).to_string(),
    );
    assert!(r.status == 400 || r.status == 422, "{r:?}");

    let (id, secret) = integration(env, &page, "prom", "alertmanager", json!({}));
    let listed = env.admin("GET", &list, "");
    assert_eq!(listed.status, 200, "{listed:?}");
    assert!(!listed.body.contains(&secret), "{}", listed.body);
    assert!(!listed.body.contains("secret"), "{}", listed.body);
    assert_eq!(listed.json()[0]["id"], id.as_str());
    assert_eq!(listed.json()[0]["kind"], "alertmanager");

    let firing = alertmanager("firing", &[am_alert("firing", "api", "critical", "a1")]);
    let version = state(env, &page)["version"].clone();
    // No secret, a wrong one, the admin key, a page key: 401, nothing changes.
    deliver(env, &page, &id, None, &firing).problem(401);
    deliver(env, &page, &id, Some("hi_wrong"), &firing).problem(401);
    deliver(env, &page, &id, Some(&communicator), &firing).problem(401);
    deliver(env, &page, "int_unknown", Some(&secret), &firing).problem(401);
    assert_eq!(state(env, &page)["version"], version);

    // Revoked: refused from then on, and listed as revoked.
    let r = env.admin("DELETE", &format!("{list}/{id}"), "");
    assert_eq!(r.status, 200, "{r:?}");
    deliver(env, &page, &id, Some(&secret), &firing).problem(401);
    assert_eq!(state(env, &page)["version"], version);
    assert!(env.admin("GET", &list, "").json()[0]["revoked_at"].is_string());
    env.admin("DELETE", &format!("{list}/{id}"), "")
        .problem(404);
    let entries = audit(env, &page);
    assert!(entries
        .iter()
        .any(|e| e["action"] == "integration.revoke" && e["subject"] == id.as_str()));
}

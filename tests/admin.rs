//! The admin API against workerd: API keys and roles, idempotent retries, optimistic concurrency,
//! concurrent writers, maintenance and notices, lint preview, audit export, Statuspage import.

use std::thread;

use serde_json::{json, Value};

use crate::fixtures::Env;
use crate::{tests, Test};

pub const TESTS: &[Test] = tests![
    keys_have_roles_are_hashed_and_revocable,
    idempotent_retries_write_once,
    stale_if_match_gets_412_and_changes_nothing,
    fifty_concurrent_updates_are_all_kept,
    maintenance_and_notices_respect_lead_times,
    lint_preview_warns_and_publishes_nothing,
    audit_export_in_json_and_csv,
    statuspage_import_round_trips_components,
    reopen_postmortem_and_component_status,
    templates_are_validated_saved_and_deleted,
];

pub(crate) fn create_key(env: &Env, page: &str, role: &str) -> (String, String) {
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/keys"),
        &json!({"name": format!("{role} key"), "role": role}).to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let v = r.json();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["key"].as_str().unwrap().to_owned(),
    )
}

fn keys_have_roles_are_hashed_and_revocable(env: &Env) {
    let page = env.page("keys");
    let (_, viewer) = create_key(env, &page, "viewer");
    let (responder_id, responder) = create_key(env, &page, "responder");
    let (_, communicator) = create_key(env, &page, "communicator");
    let incidents = format!("/v1/admin/pages/{page}/incidents");
    let open = r#"{"title":"Login slow","impact":"minor","body":"Sign-in takes up to a minute."}"#;

    // viewer reads but may not write
    assert_eq!(
        env.send(
            "GET",
            &format!("/v1/admin/pages/{page}"),
            Some(&viewer),
            None,
            &[]
        )
        .status,
        200
    );
    let p = env
        .send("POST", &incidents, Some(&viewer), Some(open), &[])
        .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("responder"), "{p}");
    // responder opens incidents, may not publish notices or manage keys
    assert_eq!(
        env.send("POST", &incidents, Some(&responder), Some(open), &[])
            .status,
        201
    );
    let notice =
        json!({"kind": "other", "title": "t", "body": "b", "effective_at": "2030-01-01T00:00:00Z"})
            .to_string();
    env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/notices"),
        Some(&responder),
        Some(&notice),
        &[],
    )
    .problem(403);
    env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/keys"),
        Some(&communicator),
        Some(r#"{"name":"x","role":"admin"}"#),
        &[],
    )
    .problem(403);
    // a key of one page is worth nothing on another
    let other = env.page("keys-other");
    env.send(
        "POST",
        &format!("/v1/admin/pages/{other}/incidents"),
        Some(&responder),
        Some(open),
        &[],
    )
    .problem(401);
    // listing never shows secrets
    let list = env.admin("GET", &format!("/v1/admin/pages/{page}/keys"), "");
    assert_eq!(list.status, 200);
    assert!(
        !list.body.contains(&responder) && !list.body.contains("hash"),
        "{}",
        list.body
    );
    assert_eq!(list.json().as_array().unwrap().len(), 3);
    // revoked keys stop working at once
    assert_eq!(
        env.admin(
            "DELETE",
            &format!("/v1/admin/pages/{page}/keys/{responder_id}"),
            ""
        )
        .status,
        200
    );
    env.send("POST", &incidents, Some(&responder), Some(open), &[])
        .problem(401);
    env.admin(
        "DELETE",
        &format!("/v1/admin/pages/{page}/keys/{responder_id}"),
        "",
    )
    .problem(404);
    // a tampered key fails
    let mut bad = communicator.clone();
    let last = bad.pop();
    // Always a different last character (a fixed one would equal the real one now and then).
    let other = if last == Some('0') { '1' } else { '0' };
    env.send(
        "GET",
        &format!("/v1/admin/pages/{page}"),
        Some(&format!("{bad}{other}")),
        None,
        &[],
    )
    .problem(401);
}

fn idempotent_retries_write_once(env: &Env) {
    let page = env.page("idem");
    let path = format!("/v1/admin/pages/{page}/incidents");
    let body = r#"{"title":"Payments delayed","impact":"major","body":"Card payments are slow to confirm."}"#;
    let key = [("idempotency-key", "retry-7f3a")];
    let first = env.send("POST", &path, Some(&env.key), Some(body), &key);
    assert_eq!(first.status, 201, "{first:?}");
    let again = env.send("POST", &path, Some(&env.key), Some(body), &key);
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body, "same answer, same id");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(
        state["incidents"].as_array().unwrap().len(),
        1,
        "written once"
    );
    let other = r#"{"title":"Something else","impact":"minor","body":"b"}"#;
    let p = env
        .send("POST", &path, Some(&env.key), Some(other), &key)
        .problem(422);
    assert_eq!(p["field"], "Idempotency-Key");
    // a refused request is remembered as refused
    let bad = r#"{"title":"","impact":"minor","body":"b"}"#;
    let k2 = [("idempotency-key", "retry-bad")];
    env.send("POST", &path, Some(&env.key), Some(bad), &k2)
        .problem(422);
    env.send("POST", &path, Some(&env.key), Some(bad), &k2)
        .problem(422);
}

fn stale_if_match_gets_412_and_changes_nothing(env: &Env) {
    let page = env.page("ifmatch");
    let id = env.open_incident(&page, "Search degraded", "minor");
    let read = env.admin("GET", &format!("/v1/admin/pages/{page}"), "");
    let tag = read.header("etag").expect("version etag").to_owned();
    let path = format!("/v1/admin/pages/{page}/incidents/{id}/updates");
    let a = json!({"status": "identified", "body": "Index rebuild is slow."}).to_string();
    let b = json!({"status": "monitoring", "body": "Looks fixed."}).to_string();
    // two responders read the same version; the first write wins, the second is refused
    let first = env.send(
        "POST",
        &path,
        Some(&env.key),
        Some(&a),
        &[("if-match", &tag)],
    );
    assert_eq!(first.status, 201, "{first:?}");
    assert_ne!(first.header("etag"), Some(tag.as_str()));
    let p = env
        .send(
            "POST",
            &path,
            Some(&env.key),
            Some(&b),
            &[("if-match", &tag)],
        )
        .problem(412);
    assert!(p["detail"].as_str().unwrap().contains(&tag), "{p}");
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    let updates = state["incidents"][0]["updates"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["body"], "Index rebuild is slow.");
}

fn fifty_concurrent_updates_are_all_kept(env: &Env) {
    let page = env.page("concurrent");
    let id = env.open_incident(&page, "Queue backlog", "major");
    let path = format!("/v1/admin/pages/{page}/incidents/{id}/updates");
    thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let path = &path;
                s.spawn(move || {
                    let body =
                        json!({"status": "identified", "body": format!("Update number {i}.")})
                            .to_string();
                    env.admin("POST", path, &body).status
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 201);
        }
    });
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    let bodies: Vec<&str> = state["incidents"][0]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 51);
    for i in 0..50 {
        assert!(
            bodies.contains(&format!("Update number {i}.").as_str()),
            "update {i} lost"
        );
    }
    assert_eq!(
        state["version"], 52,
        "page configured, incident opened, 50 updates"
    );
}

fn maintenance_and_notices_respect_lead_times(env: &Env) {
    let page = env.page("leadtime");
    let soon = "2020-01-01T00:00:00Z";
    let far_for = "2031-05-01T02:00:00Z";
    let far_until = "2031-05-01T04:00:00Z";
    let m = json!({"title": "Database upgrade", "body": "Read-only for up to 2 hours.", "components": ["api"],
                   "scheduled_for": far_for, "scheduled_until": far_until});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/maintenances"),
        &m.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let mid = r.json()["id"].as_str().unwrap().to_owned();
    let sp = env
        .get(
            &format!("/pages/{page}/api/v2/scheduled-maintenances/upcoming.json"),
            &[],
        )
        .json();
    assert_eq!(sp["scheduled_maintenances"][0]["name"], "Database upgrade");
    assert_eq!(sp["scheduled_maintenances"][0]["status"], "scheduled");
    let up = json!({"status": "in_progress", "body": "Started."});
    assert_eq!(
        env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/maintenances/{mid}/updates"),
            &up.to_string()
        )
        .status,
        201
    );
    let active = env
        .get(
            &format!("/pages/{page}/api/v2/scheduled-maintenances/active.json"),
            &[],
        )
        .json();
    assert_eq!(active["scheduled_maintenances"][0]["status"], "in_progress");

    let late = json!({"kind": "pricing_change", "title": "New prices", "body": "Plans change.", "effective_at": "2026-11-25T00:00:00Z"});
    let p = env
        .admin(
            "POST",
            &format!("/v1/admin/pages/{page}/notices"),
            &late.to_string(),
        )
        .problem(422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("lead")
            || p["detail"].as_str().unwrap().contains("days"),
        "{p}"
    );
    let mut overridden = late.clone();
    overridden["override_reason"] = json!("Regulator requires immediate publication.");
    assert_eq!(
        env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/notices"),
            &overridden.to_string()
        )
        .status,
        201
    );
    let old = json!({"title": "Past", "body": "b", "scheduled_for": soon, "scheduled_until": "2020-01-01T01:00:00Z"});
    env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/maintenances"),
        &old.to_string(),
    )
    .problem(422);
}

fn lint_preview_warns_and_publishes_nothing(env: &Env) {
    let page = env.page("lint");
    let before = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json()["version"]
        .clone();
    let draft =
        json!({"title": "DB FAILOVER", "body": "This will be fixed by 5pm, we guarantee it."});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/lint"),
        &draft.to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let codes: Vec<String> = r.json()["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(codes.iter().any(|c| c.contains("promise")), "{codes:?}");
    for w in r.json()["warnings"].as_array().unwrap() {
        assert!(
            w["span"]["start"].as_u64().is_some() || w["span"].is_array() || w["span"].is_object(),
            "{w}"
        );
    }
    assert_eq!(
        env.admin("GET", &format!("/v1/admin/pages/{page}"), "")
            .json()["version"],
        before
    );
}

fn audit_export_in_json_and_csv(env: &Env) {
    let page = env.page("audit");
    let a = env.open_incident(&page, "First", "minor");
    let b = env.open_incident(&page, "Second", "minor");
    env.post_update(&page, &a, "resolved", "Done.");
    let all = env
        .admin("GET", &format!("/v1/admin/pages/{page}/audit"), "")
        .json();
    let actions: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "page.configure",
            "incident.open",
            "incident.open",
            "incident.update"
        ]
    );
    assert!(all.as_array().unwrap().iter().all(|e| e["actor"] == "root"));
    let only_a = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/audit?subject={a}"),
            "",
        )
        .json();
    assert_eq!(only_a.as_array().unwrap().len(), 2);
    assert!(only_a
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["subject"] == a.as_str()));
    assert!(!only_a.to_string().contains(&b));
    let csv = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/audit?format=csv&subject={b}"),
        "",
    );
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "seq,at,actor,action,version,subject,change,events"
    );
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[1].contains("incident.open") && lines[1].contains(&b));
    let future = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/audit?since=2099-01-01T00:00:00Z"),
            "",
        )
        .json();
    assert_eq!(future, Value::Array(vec![]));
    // Offsets arrive percent-encoded (`+` would read as a space): decoded, not refused.
    let encoded = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/audit?since=2099-01-01T01%3A00%3A00%2B01%3A00"),
            "",
        )
        .json();
    assert_eq!(encoded, Value::Array(vec![]));
    env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/audit?since=yesterday"),
        "",
    )
    .problem(400);
}

fn instant(v: &Value) -> Option<i128> {
    v.as_str()
        .and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| t.unix_timestamp_nanos() / 1_000_000)
}

fn statuspage_import_round_trips_components(env: &Env) {
    let page = env.page("import");
    let fixture = |name: &str| {
        std::fs::read_to_string(
            xtask::root()
                .join("shared/tests/fixtures/statuspage")
                .join(name),
        )
        .unwrap()
    };
    let doc = fixture("summary.json");
    let source: Value = serde_json::from_str(&doc).unwrap();
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/import/statuspage"),
        &doc,
    );
    assert!(r.status == 200 || r.status == 201, "{r:?}");
    for history in ["incidents.json", "scheduled-maintenances.json"] {
        let r = env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/import/statuspage"),
            &fixture(history),
        );
        assert!(r.status == 200 || r.status == 201, "{history}: {r:?}");
    }
    // importing again changes nothing: items are matched by id
    let before = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/import/statuspage"),
        &fixture("incidents.json"),
    );
    let after = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(before["incidents"], after["incidents"]);

    let ours = env
        .get(&format!("/pages/{page}/api/v2/components.json"), &[])
        .json();
    let names = |v: &Value| {
        let mut n: Vec<String> = v["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&ours), names(&source));
    let groups = |v: &Value| {
        v["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["group"] == true)
            .count()
    };
    assert_eq!(groups(&ours), groups(&source));

    // Each of their items next to ours with the same id, from one of the Statuspage documents.
    let pairs = |doc: &str, key: &str| -> Vec<(Value, Value)> {
        let theirs: Value = serde_json::from_str(&fixture(&format!("{doc}.json"))).unwrap();
        let ours = env
            .get(&format!("/pages/{page}/api/v2/{doc}.json"), &[])
            .json();
        theirs[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let o = ours[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["id"] == t["id"])
                    .unwrap_or_else(|| panic!("{} missing", t["id"]));
                (o.clone(), t.clone())
            })
            .collect()
    };
    // every incident reads back with the same name, impact, status, update bodies and times
    for (o, t) in pairs("incidents", "incidents") {
        assert_eq!(o["name"], t["name"]);
        assert_eq!(o["impact"], t["impact"]);
        let status = |v: &Value| {
            if v == "postmortem" {
                Value::from("resolved")
            } else {
                v.clone()
            }
        };
        assert_eq!(status(&o["status"]), status(&t["status"]), "{}", t["id"]);
        let (ou, tu) = (
            o["incident_updates"].as_array().unwrap(),
            t["incident_updates"].as_array().unwrap(),
        );
        assert_eq!(ou.len(), tu.len(), "{}", t["id"]);
        // Matched by id: the upstream order is by position, ours by time (newest first).
        for b in tu {
            let a = ou
                .iter()
                .find(|a| a["id"] == b["id"])
                .unwrap_or_else(|| panic!("update {} missing", b["id"]));
            assert_eq!(a["body"], b["body"]);
            assert_eq!(status(&a["status"]), status(&b["status"]));
            assert_eq!(
                instant(&a["created_at"]),
                instant(&b["created_at"]),
                "{}",
                b["id"]
            );
        }
        let times: Vec<_> = ou.iter().map(|a| instant(&a["created_at"])).collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "newest first: {times:?}"
        );
    }
    for (o, t) in pairs("scheduled-maintenances", "scheduled_maintenances") {
        assert_eq!(o["name"], t["name"]);
        assert_eq!(instant(&o["scheduled_for"]), instant(&t["scheduled_for"]));
        assert_eq!(
            instant(&o["scheduled_until"]),
            instant(&t["scheduled_until"])
        );
    }
}

fn reopen_postmortem_and_component_status(env: &Env) {
    let page = env.page("lifecycle");
    let id = env.open_incident(&page, "Search is failing", "major");
    let base = format!("/v1/admin/pages/{page}");
    // a postmortem needs a resolved incident
    let pm = json!({"body": "Root cause: an index rebuild ran out of disk."}).to_string();
    env.admin("PUT", &format!("{base}/incidents/{id}/postmortem"), &pm)
        .problem(409);
    assert_eq!(
        env.post_update(&page, &id, "resolved", "Search works again.")
            .status,
        201
    );
    // reopening is explicit, and the banner shows the incident again
    let reopen =
        json!({"body": "Errors are back for some queries.", "status": "investigating"}).to_string();
    let r = env.admin("POST", &format!("{base}/incidents/{id}/reopen"), &reopen);
    assert_eq!(r.status, 201, "{r:?}");
    let banner = env
        .get(&format!("/v1/pages/{page}/banner.json"), &[])
        .json();
    assert_eq!(banner["item"]["id"], id.as_str());
    assert_eq!(banner["item"]["body"], "Errors are back for some queries.");
    assert_eq!(
        env.post_update(&page, &id, "resolved", "Fixed for good.")
            .status,
        201
    );
    // the postmortem needs the communicator role
    let (_, responder) = create_key(env, &page, "responder");
    env.send(
        "PUT",
        &format!("{base}/incidents/{id}/postmortem"),
        Some(&responder),
        Some(&pm),
        &[],
    )
    .problem(403);
    let r = env.admin("PUT", &format!("{base}/incidents/{id}/postmortem"), &pm);
    assert!(r.status == 200 || r.status == 201, "{r:?}");
    let sp = env
        .get(&format!("/pages/{page}/api/v2/incidents.json"), &[])
        .json();
    assert_eq!(sp["incidents"][0]["status"], "postmortem");
    // a component's own status, set by hand, shows everywhere
    let status = json!({"status": "degraded_performance"}).to_string();
    env.admin("PUT", &format!("{base}/components/nope/status"), &status)
        .problem(404);
    env.admin(
        "PUT",
        &format!("{base}/components/web/status"),
        r#"{"status":"on_fire"}"#,
    )
    .problem(400);
    let r = env.admin("PUT", &format!("{base}/components/web/status"), &status);
    assert!(r.status == 200 || r.status == 201, "{r:?}");
    let comps = env
        .get(&format!("/pages/{page}/api/v2/components.json"), &[])
        .json();
    let web = comps["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Web app")
        .unwrap()
        .clone();
    assert_eq!(web["status"], "degraded_performance");
    assert_eq!(
        env.get(&format!("/pages/{page}/api/v2/status.json"), &[])
            .json()["status"]["indicator"],
        "minor"
    );
}

fn templates_are_validated_saved_and_deleted(env: &Env) {
    let page = env.page("templates");
    let path = format!("/v1/admin/pages/{page}/templates/db-slow");
    let good = json!({"name": "Database slow", "title": "{{page}}: slower responses",
        "body": "Some requests to {{components}} are slow. Next update by {{next_update}}.", "impact": "minor"});
    let r = env.admin("PUT", &path, &good.to_string());
    assert_eq!(r.status, 200, "{r:?}");
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(state["templates"][0]["id"], "db-slow");
    assert_eq!(state["templates"][0]["title"], "{{page}}: slower responses");
    // an unknown placeholder is refused and nothing changes
    let bad = json!({"name": "Broken", "title": "t", "body": "Hello {{customer_name}}"});
    let p = env
        .admin(
            "PUT",
            &format!("/v1/admin/pages/{page}/templates/broken"),
            &bad.to_string(),
        )
        .problem(422);
    assert!(
        p["detail"].as_str().unwrap().contains("customer_name"),
        "{p}"
    );
    let (_, responder) = create_key(env, &page, "responder");
    env.send("PUT", &path, Some(&responder), Some(&good.to_string()), &[])
        .problem(403);
    assert_eq!(env.admin("DELETE", &path, "").status, 200);
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(state["templates"], json!([]));
    env.admin("DELETE", &path, "").problem(404);
}

//! The subscribers admin API against the worker in workerd: counts by state, channel and
//! component; the masked list in pages (stable order, `Link` to the next, bad paging refused with a
//! problem); a lookup that finds the exact address and nothing near it, with the address never in
//! the worker's log; what each role may do (counts for every key, export and erasure for admins).

use serde_json::{json, Value};

use crate::fixtures::{address, subscribe, Env, Reply};
use crate::{tests, Test};

pub const TESTS: &[Test] = tests![
    subscribers_are_counted_and_listed_in_pages_of_masked_addresses,
    a_lookup_finds_the_exact_address_and_nothing_near_it,
    counts_are_for_every_key_export_and_erasure_only_for_admins,
];

/// The address of imported person `i` of `page`.
pub(crate) fn person(page: &str, i: usize) -> String {
    format!("p{i:02}-{page}@example.com")
}

/// Imports `n` email subscribers of `page` (every third asks for `api` only, the one after for
/// `web` only, the rest for every component), and `sms` phone numbers; answers the report.
pub(crate) fn import(env: &Env, page: &str, n: usize, sms: usize) -> Value {
    let mut rows: Vec<Value> = (0..n)
        .map(|i| {
            let components: &[&str] = match i % 3 {
                0 => &["api"],
                1 => &["web"],
                _ => &[],
            };
            json!({"channel": "email", "address": person(page, i), "components": components})
        })
        .collect();
    rows.extend(
        (0..sms).map(|i| json!({"channel": "sms", "address": format!("+4915100000{i:03}")})),
    );
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/import/subscribers"),
        &Value::Array(rows).to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

fn list(env: &Env, page: &str, query: &str) -> Reply {
    env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/subscribers?{query}"),
        "",
    )
}

/// The query of the next page a list answer's `Link` names.
fn next_of(r: &Reply) -> Option<String> {
    let link = r.header("link")?;
    let start = link.find("<?")? + 2;
    let end = link[start..].find('>')? + start;
    Some(link[start..end].to_owned())
}

fn lookup(env: &Env, page: &str, key: &str, body: &Value) -> Reply {
    env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/subscribers/lookup"),
        Some(key),
        Some(&body.to_string()),
        &[("content-type", "application/json")],
    )
}

fn subscribers_are_counted_and_listed_in_pages_of_masked_addresses(env: &Env) {
    let page = env.page("subs-api");
    let report = import(env, &page, 23, 2);
    assert_eq!(report["added"], 25, "{report}");
    // One more, subscribing from the status page: pending until confirmed.
    assert_eq!(
        subscribe(env, &page, &address(env, "pending"), &[]).status,
        202
    );

    let counts = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/subscribers/counts"),
        "",
    );
    assert_eq!(counts.status, 200, "{counts:?}");
    let c = counts.json();
    let figure = |list: &str, key: &str, value: &str| -> Value {
        c[list]
            .as_array()
            .and_then(|l| l.iter().find(|x| x[key] == value))
            .map(|x| x["subscribers"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(c["total"], 26, "{c}");
    assert_eq!(figure("states", "state", "pending"), 1, "{c}");
    assert_eq!(figure("states", "state", "confirmed"), 25, "{c}");
    assert_eq!(figure("states", "state", "unsubscribed"), 0, "{c}");
    assert_eq!(figure("channels", "channel", "email"), 24, "{c}");
    assert_eq!(figure("channels", "channel", "sms"), 2, "{c}");
    // Confirmed and told about the component: 8 chose api (0, 3, ... 21), 8 web (1, 4, ... 22),
    // 7 emails and 2 numbers chose nothing, which means every component.
    assert_eq!(c["every_component"], 9, "{c}");
    assert_eq!(figure("components", "id", "api"), 17, "{c}");
    assert_eq!(figure("components", "id", "web"), 17, "{c}");
    assert!(
        !counts.body.contains("@example.com"),
        "no address in counts"
    );

    // Pages of 10, in a stable order, until the `Link` stops.
    let first = list(env, &page, "limit=10");
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(
        list(env, &page, "limit=10").body,
        first.body,
        "the same page twice is the same"
    );
    let mut seen: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    let mut reply = first;
    loop {
        let items = reply.json();
        let items = items.as_array().expect("a list").clone();
        sizes.push(items.len());
        for s in &items {
            let shown = s["address"].as_str().unwrap_or_default();
            assert!(
                shown.contains("***") && !shown.contains(&page),
                "masked: {shown}"
            );
            seen.push(s["id"].as_str().unwrap_or_default().to_owned());
        }
        match next_of(&reply) {
            Some(q) => reply = list(env, &page, &q),
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 6]);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 26, "every subscriber once: {seen:?}");
    // Narrowed: the two numbers only.
    let sms = list(env, &page, "channel=sms").json();
    assert_eq!(sms.as_array().map(Vec::len), Some(2), "{sms}");
    // Bad paging is refused with a problem naming the parameter, and nothing else happens.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=many", "limit"),
        ("after=sub_x", "after"),
        ("channel=pigeon", "channel"),
        ("state=gone", "state"),
    ] {
        let r = list(env, &page, query);
        assert_eq!(r.problem(400)["field"], field, "{query}: {r:?}");
    }
}

fn a_lookup_finds_the_exact_address_and_nothing_near_it(env: &Env) {
    let page = env.page("subs-find");
    import(env, &page, 5, 1);
    let exact = person(&page, 3);
    // The domain's case does not matter to subscribing, so not to finding either.
    let found = lookup(
        env,
        &page,
        &env.key,
        &json!({"address": exact.replace("example.com", "EXAMPLE.com")}),
    );
    assert_eq!(found.status, 200, "{found:?}");
    let list = found.json()["subscribers"].clone();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["channel"], "email");
    assert_eq!(list[0]["state"], "confirmed");
    assert_eq!(list[0]["address"], "p***@example.com", "masked");
    let id = list[0]["id"].as_str().unwrap().to_owned();
    // On the channel named, with a phone number's spacing.
    let phone = lookup(
        env,
        &page,
        &env.key,
        &json!({"channel": "sms", "address": "+49 151 0000 0000"}),
    );
    assert_eq!(
        phone.json()["subscribers"][0]["channel"],
        "sms",
        "{phone:?}"
    );
    // Near misses find nobody: never a part of an address.
    let none = |body: Value| {
        let r = lookup(env, &page, &env.key, &body);
        assert_eq!(r.status, 200, "{body}: {r:?}");
        assert_eq!(r.json()["subscribers"], json!([]), "{body}");
    };
    none(json!({"address": exact.replace(".com", ".co")}));
    none(json!({"address": exact.replacen("p03", "p3", 1)}));
    none(json!({"address": format!("x{exact}")}));
    none(json!({"channel": "sms", "address": "+4915100000001"}));
    // A part of an address is no address: refused next to the field.
    let part = lookup(env, &page, &env.key, &json!({"address": "p03"}));
    assert_eq!(part.problem(422)["field"], "address", "{part:?}");
    let wrong_channel = lookup(
        env,
        &page,
        &env.key,
        &json!({"channel": "sms", "address": exact}),
    );
    assert_eq!(wrong_channel.problem(422)["field"], "address");
    let unknown = lookup(env, &page, &env.key, &json!({"email": exact}));
    assert_eq!(unknown.status, 400, "{unknown:?}");
    // Never in a URL: there is no GET.
    let get = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/subscribers/lookup"),
        "",
    );
    assert_eq!(get.problem(405)["status"], 405);
    // An erased subscriber is found no more.
    let erased = env.admin(
        "DELETE",
        &format!("/v1/admin/pages/{page}/subscribers/{id}"),
        "",
    );
    assert_eq!(erased.status, 200, "{erased:?}");
    none(json!({"address": exact}));
    // Lookups change nothing and leave the address nowhere.
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(!audit.body.contains(&exact), "{}", audit.body);
    assert!(
        !audit.body.contains("subscribers.find"),
        "a read is not audited"
    );
    assert!(!env.worker_log().contains(&exact), "the address in the log");
}

fn counts_are_for_every_key_export_and_erasure_only_for_admins(env: &Env) {
    let page = env.page("subs-roles");
    import(env, &page, 3, 0);
    let id = list(env, &page, "")
        .json()
        .get(0)
        .and_then(|s| s["id"].as_str())
        .expect("a subscriber")
        .to_owned();
    let (_, viewer) = crate::admin::create_key(env, &page, "viewer");
    let (_, communicator) = crate::admin::create_key(env, &page, "communicator");
    let call = |key: &str, method: &str, rest: &str, body: Option<&str>| {
        env.send(
            method,
            &format!("/v1/admin/pages/{page}/{rest}"),
            Some(key),
            body,
            &[("content-type", "application/json")],
        )
    };
    let probe = json!({"address": person(&page, 0)}).to_string();
    let csv = format!("email,late-{page}@example.com\n");
    let one = format!("subscribers/{id}");
    let cases: [(&str, &str, Option<&str>, u16, u16); 6] = [
        ("GET", "subscribers/counts", None, 200, 200),
        ("GET", "subscribers", None, 403, 200),
        ("POST", "subscribers/lookup", Some(&probe), 403, 200),
        ("GET", "subscribers/export?format=csv", None, 403, 403),
        ("POST", "import/subscribers", Some(&csv), 403, 403),
        ("DELETE", &one, None, 403, 403),
    ];
    for (method, rest, body, for_viewer, for_communicator) in cases {
        let v = call(&viewer, method, rest, body);
        assert_eq!(v.status, for_viewer, "viewer {method} {rest}: {v:?}");
        let c = call(&communicator, method, rest, body);
        assert_eq!(
            c.status, for_communicator,
            "communicator {method} {rest}: {c:?}"
        );
    }
    // Nothing was erased, exported or imported by the refused calls.
    let counts = call(&viewer, "GET", "subscribers/counts", None).json();
    assert_eq!(counts["total"], 3, "{counts}");
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    for action in ["subscribers.export", "subscriber.delete"] {
        assert!(!audit.body.contains(action), "{action}: {}", audit.body);
    }
    // The admin's export is audited without the addresses.
    let export = call(&env.key, "GET", "subscribers/export?format=csv", None);
    assert_eq!(export.status, 200, "{export:?}");
    assert_eq!(
        export.header("content-type"),
        Some("text/csv; charset=utf-8"),
        "{export:?}"
    );
    assert!(export.body.contains(&person(&page, 2)), "{}", export.body);
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(audit.body.contains("subscribers.export"), "{}", audit.body);
    assert!(!audit.body.contains(&person(&page, 2)));
}

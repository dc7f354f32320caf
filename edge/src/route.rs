//! The URL map of the worker: turns a method and a path into a `Route`, or a 404/405 problem.
//! Kept free of worker types so it is tested natively; `TEMPLATES` lists every endpoint and a test
//! keeps it and the OpenAPI document in step.

use herald_shared::command::is_slug;
pub use herald_shared::wire::internal::AdminOp;

use crate::error::ApiError;

/// Every endpoint the worker answers (static assets are served before the worker runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// CORS preflight for the public read API.
    Preflight,
    /// A public document of a page; `page: None` means "the page bound to this host name".
    Public {
        page: Option<String>,
        doc: Doc,
    },
    /// An admin operation on a page.
    Admin {
        page: String,
        op: AdminOp,
    },
    OpenApi,
    /// `POST /v1/pages/{page}/subscriptions`: a subscription request (JSON or an HTML form).
    Subscribe {
        page: String,
    },
    /// `POST /v1/pages/{page}/push/subscriptions`: a browser's push subscription.
    PushSubscribe {
        page: String,
    },
    /// `GET /v1/pages/{page}/push/key`: the page's VAPID public key.
    PushKey {
        page: String,
    },
    /// A signed confirm link from a confirmation email.
    Confirm,
    /// A signed one-click unsubscribe link (GET from a person, POST per RFC 8058).
    Unsubscribe,
    /// `POST /v1/providers/{page}/email-events`: the email provider's signed delivery events.
    EmailEvents {
        page: String,
    },
    /// `POST /v1/providers/{page}/sms-events`: the SMS provider's signed status callbacks.
    SmsEvents {
        page: String,
    },
    /// `GET|POST /v1/subscriptions/manage`: a subscriber's own choice of components.
    Manage,
    /// `GET|POST /v1/receipts?token=`: the receipt link of a message that asks for acknowledgement.
    Receipt,
    /// `GET /v1/pages/{page}/components/{component}/uptime?start=&end=`: a component's (or a
    /// group's) uptime over a range of days.
    Uptime {
        page: String,
        component: String,
    },
    /// `POST /v1/pages/{page}/integrations/{integration}/alerts`: a delivery from an alerting
    /// tool, read as the integration's kind says, authenticated by the integration's own secret.
    Alerts {
        page: String,
        integration: String,
    },
    /// `GET /v1/pages/{page}/live` (a reader's socket: widget, status page) or
    /// `GET /v1/admin/pages/{page}/live` (a console's, which presents its key as its first
    /// message): a WebSocket the page object pushes changes down.
    Live {
        page: String,
        console: bool,
    },
    /// `GET /{page}/incidents/{incident}` or `GET /{page}/history?month=`: the HTML pages of
    /// past and present incidents, rendered on request.
    Html {
        page: String,
        view: HtmlView,
    },
}

/// The HTML pages rendered per request rather than kept as snapshots (one per incident, one per
/// month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtmlView {
    Incident(String),
    /// The month comes in the query (`?month=2026-03`).
    History,
}

/// The public documents, each rendered once per change by the page object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doc {
    Banner,
    Summary,
    SpSummary,
    SpStatus,
    SpComponents,
    SpIncidents,
    SpUnresolved,
    SpMaintenances,
    SpUpcoming,
    SpActive,
    StatusPage,
    Atom,
    Ical,
}

impl Doc {
    pub fn name(self) -> &'static str {
        match self {
            Doc::Banner => "banner",
            Doc::Summary => "summary",
            Doc::SpSummary => "sp_summary",
            Doc::SpStatus => "sp_status",
            Doc::SpComponents => "sp_components",
            Doc::SpIncidents => "sp_incidents",
            Doc::SpUnresolved => "sp_unresolved",
            Doc::SpMaintenances => "sp_maintenances",
            Doc::SpUpcoming => "sp_upcoming",
            Doc::SpActive => "sp_active",
            Doc::StatusPage => "status_page",
            Doc::Atom => "atom",
            Doc::Ical => "ical",
        }
    }

    pub fn from_name(name: &str) -> Option<Doc> {
        Doc::ALL.into_iter().find(|d| d.name() == name)
    }

    pub const ALL: [Doc; 13] = [
        Doc::Banner,
        Doc::Summary,
        Doc::SpSummary,
        Doc::SpStatus,
        Doc::SpComponents,
        Doc::SpIncidents,
        Doc::SpUnresolved,
        Doc::SpMaintenances,
        Doc::SpUpcoming,
        Doc::SpActive,
        Doc::StatusPage,
        Doc::Atom,
        Doc::Ical,
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            Doc::StatusPage => "text/html; charset=utf-8",
            Doc::Atom => "application/atom+xml; charset=utf-8",
            Doc::Ical => "text/calendar; charset=utf-8",
            _ => "application/json; charset=utf-8",
        }
    }

    /// Whether an audience token may widen this document (the widget's and API readers' views).
    pub fn audience_aware(self) -> bool {
        matches!(self, Doc::Banner | Doc::Summary)
    }

    fn statuspage(path: &[&str]) -> Option<Doc> {
        Some(match path {
            ["summary.json"] => Doc::SpSummary,
            ["status.json"] => Doc::SpStatus,
            ["components.json"] => Doc::SpComponents,
            ["incidents.json"] => Doc::SpIncidents,
            ["incidents", "unresolved.json"] => Doc::SpUnresolved,
            ["scheduled-maintenances.json"] => Doc::SpMaintenances,
            ["scheduled-maintenances", "upcoming.json"] => Doc::SpUpcoming,
            ["scheduled-maintenances", "active.json"] => Doc::SpActive,
            _ => return None,
        })
    }
}

/// Every endpoint as (method, path template); the OpenAPI document must list exactly these.
#[cfg_attr(not(test), allow(dead_code))]
pub const TEMPLATES: &[(&str, &str)] = &[
    ("GET", "/v1/pages/{page}/banner.json"),
    ("GET", "/v1/pages/{page}/summary.json"),
    ("GET", "/v1/pages/{page}/components/{component}/uptime"),
    ("GET", "/v1/pages/{page}/live"),
    ("GET", "/v1/admin/pages/{page}/live"),
    ("GET", "/pages/{page}/api/v2/summary.json"),
    ("GET", "/pages/{page}/api/v2/status.json"),
    ("GET", "/pages/{page}/api/v2/components.json"),
    ("GET", "/pages/{page}/api/v2/incidents.json"),
    ("GET", "/pages/{page}/api/v2/incidents/unresolved.json"),
    ("GET", "/pages/{page}/api/v2/scheduled-maintenances.json"),
    (
        "GET",
        "/pages/{page}/api/v2/scheduled-maintenances/upcoming.json",
    ),
    (
        "GET",
        "/pages/{page}/api/v2/scheduled-maintenances/active.json",
    ),
    ("GET", "/api/v2/summary.json"),
    ("GET", "/api/v2/status.json"),
    ("GET", "/api/v2/components.json"),
    ("GET", "/api/v2/incidents.json"),
    ("GET", "/api/v2/incidents/unresolved.json"),
    ("GET", "/api/v2/scheduled-maintenances.json"),
    ("GET", "/api/v2/scheduled-maintenances/upcoming.json"),
    ("GET", "/api/v2/scheduled-maintenances/active.json"),
    ("GET", "/{page}"),
    ("GET", "/{page}/feed.atom"),
    ("GET", "/{page}/maintenance.ics"),
    ("GET", "/{page}/incidents/{incident}"),
    ("GET", "/{page}/history"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/admin/pages/{page}"),
    ("PUT", "/v1/admin/pages/{page}"),
    ("POST", "/v1/admin/pages/{page}/incidents"),
    (
        "POST",
        "/v1/admin/pages/{page}/incidents/{incident}/updates",
    ),
    ("POST", "/v1/admin/pages/{page}/incidents/{incident}/reopen"),
    (
        "PUT",
        "/v1/admin/pages/{page}/incidents/{incident}/postmortem",
    ),
    (
        "PUT",
        "/v1/admin/pages/{page}/components/{component}/status",
    ),
    ("POST", "/v1/admin/pages/{page}/maintenances"),
    (
        "POST",
        "/v1/admin/pages/{page}/maintenances/{maintenance}/updates",
    ),
    ("POST", "/v1/admin/pages/{page}/notices"),
    ("POST", "/v1/admin/pages/{page}/lint"),
    ("GET", "/v1/admin/pages/{page}/audit"),
    ("POST", "/v1/admin/pages/{page}/import/statuspage"),
    ("GET", "/v1/admin/pages/{page}/keys"),
    ("POST", "/v1/admin/pages/{page}/keys"),
    ("DELETE", "/v1/admin/pages/{page}/keys/{key}"),
    ("POST", "/v1/admin/pages/{page}/widget-secret"),
    ("PUT", "/v1/admin/pages/{page}/templates/{template}"),
    ("DELETE", "/v1/admin/pages/{page}/templates/{template}"),
    ("POST", "/v1/pages/{page}/subscriptions"),
    ("POST", "/v1/pages/{page}/push/subscriptions"),
    ("GET", "/v1/pages/{page}/push/key"),
    ("GET", "/v1/subscriptions/confirm"),
    ("POST", "/v1/subscriptions/confirm"),
    ("GET", "/v1/subscriptions/unsubscribe"),
    ("POST", "/v1/subscriptions/unsubscribe"),
    ("POST", "/v1/providers/{page}/email-events"),
    ("POST", "/v1/providers/{page}/sms-events"),
    ("GET", "/v1/subscriptions/manage"),
    ("POST", "/v1/subscriptions/manage"),
    ("GET", "/v1/receipts"),
    ("POST", "/v1/receipts"),
    ("GET", "/v1/admin/pages/{page}/subscribers"),
    ("POST", "/v1/admin/pages/{page}/subscribers"),
    ("GET", "/v1/admin/pages/{page}/subscribers/export"),
    ("GET", "/v1/admin/pages/{page}/subscribers/counts"),
    ("POST", "/v1/admin/pages/{page}/subscribers/lookup"),
    ("POST", "/v1/admin/pages/{page}/import/subscribers"),
    ("GET", "/v1/admin/pages/{page}/dead-letters"),
    ("DELETE", "/v1/admin/pages/{page}/subscribers/{subscriber}"),
    ("GET", "/v1/admin/pages/{page}/notifications"),
    (
        "GET",
        "/v1/admin/pages/{page}/notifications/{notification}/deliveries",
    ),
    ("GET", "/v1/admin/pages/{page}/me"),
    ("POST", "/v1/admin/pages/{page}/reviews/{review}/approve"),
    ("POST", "/v1/admin/pages/{page}/reviews/{review}/send-back"),
    (
        "GET",
        "/v1/admin/pages/{page}/incidents/{incident}/scorecard",
    ),
    ("GET", "/v1/admin/pages/{page}/scorecard"),
    (
        "POST",
        "/v1/admin/pages/{page}/notifications/{notification}/escalate",
    ),
    (
        "POST",
        "/v1/admin/pages/{page}/notifications/{notification}/deliveries/{subscriber}/retry",
    ),
    ("GET", "/v1/admin/pages/{page}/social"),
    ("PUT", "/v1/admin/pages/{page}/social"),
    ("GET", "/v1/admin/pages/{page}/integrations"),
    ("POST", "/v1/admin/pages/{page}/integrations"),
    (
        "DELETE",
        "/v1/admin/pages/{page}/integrations/{integration}",
    ),
    ("POST", "/v1/pages/{page}/integrations/{integration}/alerts"),
];

impl Route {
    pub fn parse(method: impl AsRef<str>, path: &str) -> Result<Route, ApiError> {
        let method = method.as_ref();
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        if method == "OPTIONS"
            && !matches!(segments.first(), Some(&"v1") if segments.get(1) == Some(&"admin"))
        {
            return Ok(Route::Preflight);
        }
        let found: Option<(&[&str], Option<Route>)> = match segments.as_slice() {
            ["v1", "openapi.json"] => Some((&["GET"], get(method, || Ok(Route::OpenApi))?)),
            ["v1", "pages", page, "banner.json"] => {
                Some((&["GET"], public(method, page, Doc::Banner)?))
            }
            ["v1", "pages", page, "summary.json"] => {
                Some((&["GET"], public(method, page, Doc::Summary)?))
            }
            ["v1", "pages", page, "components", id, "uptime"] => Some((
                &["GET"],
                get(method, || {
                    Ok(Route::Uptime {
                        page: slug(page)?,
                        component: ident(id)?,
                    })
                })?,
            )),
            ["pages", page, "api", "v2", rest @ ..] => Doc::statuspage(rest)
                .map(|doc| public(method, page, doc).map(|r| (&["GET"][..], r)))
                .transpose()?,
            ["api", "v2", rest @ ..] => Doc::statuspage(rest).map(|doc| {
                (
                    &["GET"][..],
                    get(method, || Ok(Route::Public { page: None, doc }))
                        .ok()
                        .flatten(),
                )
            }),
            ["v1", "pages", page, "live"] => Some((&["GET"], live(method, page, false)?)),
            ["v1", "admin", "pages", page, "live"] => Some((&["GET"], live(method, page, true)?)),
            ["v1", "admin", "pages", page, rest @ ..] => admin(method, page, rest)?,
            ["v1", "pages", page, "integrations", id, "alerts"] => {
                let (page, integration) = (slug(page)?, ident(id)?);
                Some((
                    &["POST"],
                    (method == "POST").then_some(Route::Alerts { page, integration }),
                ))
            }
            ["v1", "pages", page, "subscriptions"] => {
                let page = slug(page)?;
                Some((
                    &["POST"],
                    (method == "POST").then_some(Route::Subscribe { page }),
                ))
            }
            ["v1", "pages", page, "push", "subscriptions"] => {
                let page = slug(page)?;
                Some((
                    &["POST"],
                    (method == "POST").then_some(Route::PushSubscribe { page }),
                ))
            }
            ["v1", "pages", page, "push", "key"] => Some((
                &["GET"],
                get(method, || Ok(Route::PushKey { page: slug(page)? }))?,
            )),
            ["v1", "subscriptions", "confirm"] => Some((
                &["GET", "POST"],
                matches!(method, "GET" | "HEAD" | "POST").then_some(Route::Confirm),
            )),
            ["v1", "providers", page, "email-events"] => {
                let page = slug(page)?;
                Some((
                    &["POST"],
                    (method == "POST").then_some(Route::EmailEvents { page }),
                ))
            }
            ["v1", "providers", page, "sms-events"] => {
                let page = slug(page)?;
                Some((
                    &["POST"],
                    (method == "POST").then_some(Route::SmsEvents { page }),
                ))
            }
            ["v1", "subscriptions", "manage"] => Some((
                &["GET", "POST"],
                matches!(method, "GET" | "HEAD" | "POST").then_some(Route::Manage),
            )),
            ["v1", "receipts"] => Some((
                &["GET", "POST"],
                matches!(method, "GET" | "HEAD" | "POST").then_some(Route::Receipt),
            )),
            ["v1", "subscriptions", "unsubscribe"] => Some((
                &["GET", "POST"],
                matches!(method, "GET" | "HEAD" | "POST").then_some(Route::Unsubscribe),
            )),
            [page, "feed.atom"] => Some((&["GET"], public(method, page, Doc::Atom)?)),
            [page, "maintenance.ics"] => Some((&["GET"], public(method, page, Doc::Ical)?)),
            [page, "incidents", id] => Some((
                &["GET"],
                html(method, page, || Ok(HtmlView::Incident(ident(id)?)))?,
            )),
            [page, "history"] => Some((&["GET"], html(method, page, || Ok(HtmlView::History))?)),
            [page] if !page.is_empty() && !page.contains('.') => {
                Some((&["GET"], public(method, page, Doc::StatusPage)?))
            }
            _ => None,
        };
        let Some((allowed, route)) = found else {
            return Err(ApiError::not_found(format!("no endpoint at {path}")));
        };
        route.ok_or_else(|| {
            ApiError::client(
                405,
                "method-not-allowed",
                "Method not allowed",
                format!(
                    "{method} is not allowed on {path}; allowed: {}",
                    allowed.join(", ")
                ),
            )
        })
    }
}

fn get(
    method: &str,
    f: impl FnOnce() -> Result<Route, ApiError>,
) -> Result<Option<Route>, ApiError> {
    if method == "GET" || method == "HEAD" {
        f().map(Some)
    } else {
        Ok(None)
    }
}

fn public(method: &str, page: &str, doc: Doc) -> Result<Option<Route>, ApiError> {
    get(method, || {
        Ok(Route::Public {
            page: Some(slug(page)?),
            doc,
        })
    })
}

fn live(method: &str, page: &str, console: bool) -> Result<Option<Route>, ApiError> {
    // A WebSocket opens with GET only.
    Ok((method == "GET")
        .then(|| slug(page))
        .transpose()?
        .map(|page| Route::Live { page, console }))
}

fn html(
    method: &str,
    page: &str,
    view: impl FnOnce() -> Result<HtmlView, ApiError>,
) -> Result<Option<Route>, ApiError> {
    get(method, || {
        Ok(Route::Html {
            page: slug(page)?,
            view: view()?,
        })
    })
}

type Found = Option<(&'static [&'static str], Option<Route>)>;

fn admin(method: &str, page: &str, rest: &[&str]) -> Result<Found, ApiError> {
    use AdminOp::*;
    let page = slug(page)?;
    let table: (&'static [&'static str], Vec<(&str, AdminOp)>) = match rest {
        [] => (&["GET", "PUT"], vec![("GET", GetPage), ("PUT", PutPage)]),
        ["incidents"] => (&["POST"], vec![("POST", OpenIncident)]),
        ["incidents", id, "updates"] => (
            &["POST"],
            vec![(
                "POST",
                PostUpdate {
                    incident: ident(id)?,
                },
            )],
        ),
        ["incidents", id, "reopen"] => (
            &["POST"],
            vec![(
                "POST",
                Reopen {
                    incident: ident(id)?,
                },
            )],
        ),
        ["incidents", id, "scorecard"] => (
            &["GET"],
            vec![(
                "GET",
                Scorecard {
                    incident: ident(id)?,
                },
            )],
        ),
        ["scorecard"] => (&["GET"], vec![("GET", PeriodScorecard)]),
        ["notifications", id, "escalate"] => (
            &["POST"],
            vec![(
                "POST",
                Escalate {
                    notification: ident(id)?,
                },
            )],
        ),
        ["incidents", id, "postmortem"] => (
            &["PUT"],
            vec![(
                "PUT",
                Postmortem {
                    incident: ident(id)?,
                },
            )],
        ),
        ["components", id, "status"] => (
            &["PUT"],
            vec![(
                "PUT",
                SetComponentStatus {
                    component: ident(id)?,
                },
            )],
        ),
        ["maintenances"] => (&["POST"], vec![("POST", ScheduleMaintenance)]),
        ["maintenances", id, "updates"] => (
            &["POST"],
            vec![(
                "POST",
                UpdateMaintenance {
                    maintenance: ident(id)?,
                },
            )],
        ),
        ["notices"] => (&["POST"], vec![("POST", PublishNotice)]),
        ["lint"] => (&["POST"], vec![("POST", Lint)]),
        ["audit"] => (&["GET"], vec![("GET", Audit)]),
        ["import", "statuspage"] => (&["POST"], vec![("POST", ImportStatuspage)]),
        ["keys"] => (
            &["GET", "POST"],
            vec![("GET", ListKeys), ("POST", CreateKey)],
        ),
        ["keys", id] => (&["DELETE"], vec![("DELETE", RevokeKey { key: ident(id)? })]),
        ["widget-secret"] => (&["POST"], vec![("POST", RotateWidgetSecret)]),
        ["templates", id] => (
            &["PUT", "DELETE"],
            vec![
                (
                    "PUT",
                    SaveTemplate {
                        template: ident(id)?,
                    },
                ),
                (
                    "DELETE",
                    DeleteTemplate {
                        template: ident(id)?,
                    },
                ),
            ],
        ),
        ["subscribers"] => (
            &["GET", "POST"],
            vec![("GET", ListSubscribers), ("POST", AddSubscriber)],
        ),
        ["dead-letters"] => (&["GET"], vec![("GET", DeadLetters)]),
        ["subscribers", "export"] => (&["GET"], vec![("GET", ExportSubscribers)]),
        ["subscribers", "counts"] => (&["GET"], vec![("GET", SubscriberCounts)]),
        ["subscribers", "lookup"] => (&["POST"], vec![("POST", FindSubscriber)]),
        ["import", "subscribers"] => (&["POST"], vec![("POST", ImportSubscribers)]),
        ["subscribers", id] => (
            &["DELETE"],
            vec![(
                "DELETE",
                DeleteSubscriber {
                    subscriber: ident(id)?,
                },
            )],
        ),
        ["notifications"] => (&["GET"], vec![("GET", ListNotifications)]),
        ["me"] => (&["GET"], vec![("GET", WhoAmI)]),
        ["reviews", id, "approve"] => (
            &["POST"],
            vec![("POST", ApproveReview { review: ident(id)? })],
        ),
        ["reviews", id, "send-back"] => (
            &["POST"],
            vec![("POST", SendBackReview { review: ident(id)? })],
        ),
        ["social"] => (
            &["GET", "PUT"],
            vec![("GET", GetSocial), ("PUT", PutSocial)],
        ),
        ["integrations"] => (
            &["GET", "POST"],
            vec![("GET", ListIntegrations), ("POST", CreateIntegration)],
        ),
        ["integrations", id] => (
            &["DELETE"],
            vec![(
                "DELETE",
                RevokeIntegration {
                    integration: ident(id)?,
                },
            )],
        ),
        ["notifications", id, "deliveries", subscriber, "retry"] => (
            &["POST"],
            vec![(
                "POST",
                RetryDelivery {
                    notification: ident(id)?,
                    subscriber: ident(subscriber)?,
                },
            )],
        ),
        ["notifications", id, "deliveries"] => (
            &["GET"],
            vec![(
                "GET",
                Deliveries {
                    notification: ident(id)?,
                },
            )],
        ),
        _ => return Ok(None),
    };
    let (allowed, ops) = table;
    let op = ops
        .into_iter()
        .find(|(m, _)| *m == method || (method == "HEAD" && *m == "GET"))
        .map(|(_, op)| Route::Admin {
            page: page.clone(),
            op,
        });
    Ok(Some((allowed, op)))
}

fn slug(s: &str) -> Result<String, ApiError> {
    if is_slug(s) {
        Ok(s.to_owned())
    } else {
        Err(ApiError::not_found(format!(
            "{s:?} is not a page id (a-z, 0-9, -)"
        )))
    }
}

fn ident(s: &str) -> Result<String, ApiError> {
    if !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(s.to_owned())
    } else {
        Err(ApiError::not_found(format!("{s:?} is not a valid id")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_shared::wire::Role;

    fn show(method: &str, path: &str) -> String {
        match Route::parse(method, path) {
            Ok(r) => format!("{r:?}"),
            Err(e) => {
                let p = e.into_problem();
                format!("{} {}", p.status, p.detail)
            }
        }
    }

    #[test]
    fn routes() {
        let cases = [
            (
                "GET",
                "/v1/pages/demo/banner.json",
                "Public { page: Some(\"demo\"), doc: Banner }",
            ),
            (
                "HEAD",
                "/v1/pages/demo/banner.json",
                "Public { page: Some(\"demo\"), doc: Banner }",
            ),
            ("OPTIONS", "/v1/pages/demo/banner.json", "Preflight"),
            (
                "POST",
                "/v1/pages/demo/banner.json",
                "405 POST is not allowed on /v1/pages/demo/banner.json; allowed: GET",
            ),
            (
                "GET",
                "/v1/pages/Demo/banner.json",
                "404 \"Demo\" is not a page id (a-z, 0-9, -)",
            ),
            (
                "GET",
                "/pages/demo/api/v2/incidents/unresolved.json",
                "Public { page: Some(\"demo\"), doc: SpUnresolved }",
            ),
            (
                "GET",
                "/api/v2/scheduled-maintenances/active.json",
                "Public { page: None, doc: SpActive }",
            ),
            (
                "GET",
                "/api/v2/nothing.json",
                "404 no endpoint at /api/v2/nothing.json",
            ),
            (
                "GET",
                "/demo",
                "Public { page: Some(\"demo\"), doc: StatusPage }",
            ),
            (
                "GET",
                "/demo/feed.atom",
                "Public { page: Some(\"demo\"), doc: Atom }",
            ),
            ("GET", "/favicon.ico", "404 no endpoint at /favicon.ico"),
            (
                "GET",
                "/demo/incidents/inc_1",
                "Html { page: \"demo\", view: Incident(\"inc_1\") }",
            ),
            (
                "GET",
                "/v1/pages/demo/components/api/uptime",
                "Uptime { page: \"demo\", component: \"api\" }",
            ),
            (
                "GET",
                "/demo/history",
                "Html { page: \"demo\", view: History }",
            ),
            (
                "POST",
                "/demo/history",
                "405 POST is not allowed on /demo/history; allowed: GET",
            ),
            (
                "PUT",
                "/v1/admin/pages/demo",
                "Admin { page: \"demo\", op: PutPage }",
            ),
            (
                "POST",
                "/v1/admin/pages/demo/incidents",
                "Admin { page: \"demo\", op: OpenIncident }",
            ),
            (
                "GET",
                "/v1/admin/pages/demo/incidents",
                "405 GET is not allowed on /v1/admin/pages/demo/incidents; allowed: POST",
            ),
            (
                "POST",
                "/v1/admin/pages/demo/incidents/inc_1/updates",
                "Admin { page: \"demo\", op: PostUpdate { incident: \"inc_1\" } }",
            ),
            (
                "POST",
                "/v1/admin/pages/demo/incidents/a%20b/updates",
                "404 \"a%20b\" is not a valid id",
            ),
            (
                "DELETE",
                "/v1/admin/pages/demo/keys/key_1",
                "Admin { page: \"demo\", op: RevokeKey { key: \"key_1\" } }",
            ),
            ("GET", "/v2/nothing", "404 no endpoint at /v2/nothing"),
            (
                "POST",
                "/v1/pages/demo/subscriptions",
                "Subscribe { page: \"demo\" }",
            ),
            (
                "GET",
                "/v1/pages/demo/subscriptions",
                "405 GET is not allowed on /v1/pages/demo/subscriptions; allowed: POST",
            ),
            ("POST", "/v1/subscriptions/unsubscribe", "Unsubscribe"),
            ("GET", "/v1/subscriptions/confirm", "Confirm"),
            (
                "POST",
                "/v1/admin/pages/demo/reviews/rev_1/send-back",
                "Admin { page: \"demo\", op: SendBackReview { review: \"rev_1\" } }",
            ),
            (
                "GET",
                "/v1/admin/pages/demo/me",
                "Admin { page: \"demo\", op: WhoAmI }",
            ),
            (
                "DELETE",
                "/v1/admin/pages/demo/subscribers/sub_1",
                "Admin { page: \"demo\", op: DeleteSubscriber { subscriber: \"sub_1\" } }",
            ),
            (
                "GET",
                "/v1/admin/pages/demo/subscribers/counts",
                "Admin { page: \"demo\", op: SubscriberCounts }",
            ),
            (
                "POST",
                "/v1/admin/pages/demo/subscribers/lookup",
                "Admin { page: \"demo\", op: FindSubscriber }",
            ),
            (
                "GET",
                "/v1/admin/pages/demo/subscribers/lookup",
                "405 GET is not allowed on /v1/admin/pages/demo/subscribers/lookup; allowed: POST",
            ),
            (
                "DELETE",
                "/v1/admin/pages/demo/integrations/int_1",
                "Admin { page: \"demo\", op: RevokeIntegration { integration: \"int_1\" } }",
            ),
            (
                "GET",
                "/v1/pages/demo/live",
                "Live { page: \"demo\", console: false }",
            ),
            (
                "GET",
                "/v1/admin/pages/demo/live",
                "Live { page: \"demo\", console: true }",
            ),
            (
                "POST",
                "/v1/pages/demo/live",
                "405 POST is not allowed on /v1/pages/demo/live; allowed: GET",
            ),
            (
                "POST",
                "/v1/pages/demo/integrations/int_1/alerts",
                "Alerts { page: \"demo\", integration: \"int_1\" }",
            ),
        ];
        for (method, path, want) in cases {
            assert_eq!(show(method, path), want, "{method} {path}");
        }
    }

    /// Fills a template's parameters with plausible values.
    fn concrete(template: &str) -> String {
        template
            .replace("{page}", "demo")
            .replace("{incident}", "inc_1")
            .replace("{component}", "api")
            .replace("{maintenance}", "mnt_1")
            .replace("{key}", "key_1")
            .replace("{template}", "tpl_1")
            .replace("{subscriber}", "sub_1")
            .replace("{notification}", "ntf_1")
            .replace("{review}", "rev_1")
            .replace("{integration}", "int_1")
    }

    #[test]
    fn every_template_parses_to_a_route() {
        for (method, template) in TEMPLATES {
            let parsed = Route::parse(method, &concrete(template));
            assert!(
                parsed.is_ok(),
                "{method} {template}: {:?}",
                parsed.err().map(|e| e.into_problem())
            );
        }
    }

    #[test]
    fn openapi_lists_exactly_the_templates() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        let mut documented = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    documented.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        let mut routed: Vec<(String, String)> = TEMPLATES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
    }

    #[test]
    fn roles_are_ordered_and_reads_need_the_least() {
        assert!(
            Role::Viewer < Role::Responder
                && Role::Responder < Role::Communicator
                && Role::Communicator < Role::Admin
        );
        assert_eq!(AdminOp::GetPage.role(), Role::Viewer);
        assert_eq!(AdminOp::OpenIncident.role(), Role::Responder);
        assert_eq!(AdminOp::PublishNotice.role(), Role::Communicator);
        assert_eq!(AdminOp::CreateKey.role(), Role::Admin);
        assert!(!AdminOp::Audit.writes() && AdminOp::OpenIncident.writes());
        // Counts say how many, never who; the list and a lookup show (masked) people; taking the
        // addresses away or erasing someone is an admin's.
        assert_eq!(AdminOp::SubscriberCounts.role(), Role::Viewer);
        assert_eq!(AdminOp::FindSubscriber.role(), Role::Communicator);
        assert!(!AdminOp::FindSubscriber.writes());
        assert_eq!(AdminOp::ExportSubscribers.role(), Role::Admin);
        assert_eq!(
            AdminOp::DeleteSubscriber {
                subscriber: "sub_1".into()
            }
            .role(),
            Role::Admin
        );
    }
}

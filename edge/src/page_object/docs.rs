//! Public documents of a page, rendered from one state snapshot for every channel: Herald's JSON,
//! the Statuspage API v2 documents (their shortlinks on the reader's origin), the status page and
//! the feeds.

use herald_shared::statuspage::{self, absolute_shortlinks, MaintenanceFilter};
use herald_shared::{feed, uptime, view, State, Timestamp, Viewer};

use crate::error::{ApiError, ApiResult};
use crate::route::Doc;

fn json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::Server(e.to_string()))
}

/// Whether `doc` shows uptime (the others are rendered without reading it).
pub fn shows_uptime(doc: Doc) -> bool {
    matches!(doc, Doc::StatusPage | Doc::Summary)
}

/// The banner `viewer` sees, its poll interval capped by `poll_secs`: `banner.json`, and what a
/// live socket carries.
pub fn banner(
    state: &State,
    viewer: &Viewer,
    now: Timestamp,
    poll_secs: Option<u32>,
) -> herald_shared::wire::Banner {
    let mut banner = view::banner(state, viewer, now);
    // Every page pushes its changes (`page_object::live`); a full page refuses new sockets, and
    // its readers poll.
    banner.live = true;
    if let Some(secs) = poll_secs {
        banner.poll_after = banner.poll_after.min(secs);
    }
    banner
}

/// Renders `doc` of `state` for `viewer`. `base` is the public origin (for links in HTML and feeds);
/// `poll_secs` overrides the widget poll interval the model advises.
/// `history` is the uptime the status page and `summary.json` show (empty for other documents).
pub fn render(
    doc: Doc,
    state: &State,
    viewer: &Viewer,
    now: Timestamp,
    base: &str,
    poll_secs: Option<u32>,
    history: &uptime::History,
) -> ApiResult<String> {
    let page_url = format!("{base}/{}", state.page.id);
    match doc {
        Doc::Banner => json(&banner(state, viewer, now, poll_secs)),
        Doc::Summary => {
            let mut summary = view::summary(state, viewer, now);
            for c in &mut summary.components {
                c.uptime = uptime::brief(state, history, &c.id, now);
            }
            json(&summary)
        }
        Doc::SpSummary => {
            let mut doc = statuspage::summary(state, viewer);
            absolute_shortlinks(&mut doc.incidents, base);
            absolute_shortlinks(&mut doc.scheduled_maintenances, base);
            json(&doc)
        }
        Doc::SpStatus => json(&statuspage::status(state, viewer)),
        Doc::SpComponents => json(&statuspage::components(state, viewer)),
        Doc::SpIncidents | Doc::SpUnresolved => {
            let mut doc = if doc == Doc::SpIncidents {
                statuspage::incidents(state, viewer)
            } else {
                statuspage::unresolved(state, viewer)
            };
            absolute_shortlinks(&mut doc.incidents, base);
            json(&doc)
        }
        Doc::SpMaintenances | Doc::SpUpcoming | Doc::SpActive => {
            let filter = match doc {
                Doc::SpUpcoming => MaintenanceFilter::Upcoming,
                Doc::SpActive => MaintenanceFilter::Active,
                _ => MaintenanceFilter::All,
            };
            let mut doc = statuspage::scheduled_maintenances(state, viewer, filter);
            absolute_shortlinks(&mut doc.scheduled_maintenances, base);
            json(&doc)
        }
        Doc::StatusPage => Ok(crate::status_page::render(state, now, base, history)),
        Doc::Atom => Ok(feed::atom(state, &page_url, now)),
        Doc::Ical => {
            let host = base.split("://").nth(1).unwrap_or(base);
            Ok(feed::ical(state, host, now))
        }
    }
}

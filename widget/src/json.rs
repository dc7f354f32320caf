//! Reading JSON with the browser's own `JSON.parse` and plain property reads, instead of compiling
//! serde_json and the `time` RFC 3339 parser into the wasm (most of its size). The banner reader
//! follows `shared::wire`'s serde shapes: required fields must be there with the right type,
//! optional ones may be missing or null, unknown fields are ignored, and enums with an `Unknown`
//! fallback take it for values they do not know.

use herald_shared::wire::{
    Banner, BannerComponent, BannerItem, BannerKind, BannerPage, ItemStatus, Problem,
};
use herald_shared::{ComponentStatus, Impact, Timestamp};
use wasm_bindgen::JsValue;

type Read<T> = Result<T, String>;

/// A parsed JSON value.
pub struct Json(JsValue);

impl Json {
    pub fn parse(text: &str) -> Read<Json> {
        js_sys::JSON::parse(text)
            .map(Json)
            .map_err(|_| "not JSON".into())
    }

    /// The member `key` (undefined when missing or when this is not an object).
    pub fn get(&self, key: &str) -> Json {
        if !self.0.is_object() {
            return Json(JsValue::UNDEFINED);
        }
        Json(js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED))
    }

    /// Missing or null.
    pub fn is_none(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    pub fn as_str(&self) -> Option<String> {
        self.0.as_string()
    }

    /// The string member `key`, required.
    pub fn str(&self, key: &str) -> Read<String> {
        self.get(key).as_str().ok_or_else(|| missing(key))
    }

    /// The string member `key`, if there is one (missing or null: `None`).
    pub fn opt_str(&self, key: &str) -> Read<Option<String>> {
        let v = self.get(key);
        if v.is_none() {
            return Ok(None);
        }
        v.as_str().map(Some).ok_or_else(|| missing(key))
    }

    /// The members of an array (empty when this is not one).
    pub fn items(&self) -> Vec<Json> {
        if !js_sys::Array::is_array(&self.0) {
            return Vec::new();
        }
        js_sys::Array::from(&self.0).iter().map(Json).collect()
    }
}

fn missing(key: &str) -> String {
    format!("`{key}` missing or of the wrong type")
}

/// An RFC 3339 time with an offset (`2026-01-01T00:00:00Z`, `...+01:00`), to the millisecond.
fn time(v: &Json, key: &str) -> Read<Option<Timestamp>> {
    let Some(s) = v.opt_str(key)? else {
        return Ok(None);
    };
    let b = s.as_bytes();
    let n = b.len();
    let zoned = matches!(b.last(), Some(b'Z' | b'z'))
        || (n > 6 && matches!(b[n - 6], b'+' | b'-') && b[n - 3] == b':');
    let ms = js_sys::Date::parse(&s);
    if n < 20 || !matches!(b[10], b'T' | b't' | b' ') || !zoned || ms.is_nan() {
        return Err(format!("`{key}` is not an RFC 3339 time"));
    }
    Timestamp::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .map(Some)
        .map_err(|_| format!("`{key}` is out of range"))
}

fn kind(s: &str) -> BannerKind {
    match s {
        "incident" => BannerKind::Incident,
        "maintenance" => BannerKind::Maintenance,
        "notice" => BannerKind::Notice,
        _ => BannerKind::Unknown,
    }
}

fn item_status(s: &str) -> ItemStatus {
    match s {
        "investigating" => ItemStatus::Investigating,
        "identified" => ItemStatus::Identified,
        "monitoring" => ItemStatus::Monitoring,
        "resolved" => ItemStatus::Resolved,
        "scheduled" => ItemStatus::Scheduled,
        "in_progress" => ItemStatus::InProgress,
        "verifying" => ItemStatus::Verifying,
        "completed" => ItemStatus::Completed,
        "announced" => ItemStatus::Announced,
        "in_effect" => ItemStatus::InEffect,
        _ => ItemStatus::Unknown,
    }
}

fn impact(s: &str) -> Read<Impact> {
    Ok(match s {
        "none" => Impact::None,
        "minor" => Impact::Minor,
        "major" => Impact::Major,
        "critical" => Impact::Critical,
        _ => return Err(format!("unknown impact `{s}`")),
    })
}

fn component_status(s: &str) -> Read<ComponentStatus> {
    Ok(match s {
        "operational" => ComponentStatus::Operational,
        "under_maintenance" => ComponentStatus::UnderMaintenance,
        "degraded_performance" => ComponentStatus::DegradedPerformance,
        "partial_outage" => ComponentStatus::PartialOutage,
        "major_outage" => ComponentStatus::MajorOutage,
        _ => return Err(format!("unknown component status `{s}`")),
    })
}

fn item(v: &Json) -> Read<BannerItem> {
    let components = v.get("components");
    if !components.is_none() && !js_sys::Array::is_array(&components.0) {
        return Err(missing("components"));
    }
    Ok(BannerItem {
        kind: kind(&v.str("kind")?),
        id: v.str("id")?,
        update_id: v.str("update_id")?,
        title: v.str("title")?,
        impact: impact(&v.str("impact")?)?,
        status: item_status(&v.str("status")?),
        body: v.str("body")?,
        updated_at: time(v, "updated_at")?.ok_or_else(|| missing("updated_at"))?,
        next_update_at: time(v, "next_update_at")?,
        components: components
            .items()
            .iter()
            .map(|c| {
                Ok(BannerComponent {
                    id: c.str("id")?,
                    name: c.str("name")?,
                    status: component_status(&c.str("status")?)?,
                })
            })
            .collect::<Read<_>>()?,
        scheduled_for: time(v, "scheduled_for")?,
        scheduled_until: time(v, "scheduled_until")?,
        effective_at: time(v, "effective_at")?,
    })
}

/// `banner.json` as `shared::wire::Banner`.
pub fn banner(text: &str) -> Read<Banner> {
    let v = Json::parse(text)?;
    let page = v.get("page");
    let item_json = v.get("item");
    let poll_after = v
        .get("poll_after")
        .0
        .as_f64()
        .filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n))
        .ok_or_else(|| missing("poll_after"))?;
    Ok(Banner {
        page: BannerPage {
            id: page.str("id")?,
            name: page.str("name")?,
            url: page.str("url")?,
        },
        item: if item_json.is_none() {
            None
        } else {
            Some(item(&item_json)?)
        },
        poll_after: poll_after as u32,
    })
}

/// An RFC 9457 problem document as `shared::wire::Problem`.
pub fn problem(text: &str) -> Read<Problem> {
    let v = Json::parse(text)?;
    let status = v
        .get("status")
        .0
        .as_f64()
        .filter(|n| n.fract() == 0.0 && (0.0..=65_535.0).contains(n))
        .ok_or_else(|| missing("status"))?;
    Ok(Problem {
        kind: v.str("type")?,
        title: v.str("title")?,
        status: status as u16,
        detail: v.str("detail")?,
        field: v.opt_str("field")?,
    })
}

//! The URL map of the worker: turns a method and a path into a `Route`, or a 404/405 problem.
//! Kept free of worker types so it is tested natively.

use herald_shared::command::is_slug;

use crate::error::ApiError;

/// Every endpoint the worker answers (static assets are served before the worker runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// CORS preflight for the public read API.
    Preflight,
    Banner {
        page: String,
    },
    PutPage {
        page: String,
    },
    OpenIncident {
        page: String,
    },
    PostUpdate {
        page: String,
        incident: String,
    },
}

impl Route {
    pub fn parse(method: impl AsRef<str>, path: &str) -> Result<Route, ApiError> {
        let method = method.as_ref();
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let (allowed, route): (&[&str], Option<Route>) = match segments.as_slice() {
            ["v1", "pages", page, "banner.json"] => (
                &["GET", "HEAD", "OPTIONS"],
                match method {
                    "OPTIONS" => Some(Route::Preflight),
                    "GET" | "HEAD" => Some(Route::Banner { page: slug(page)? }),
                    _ => None,
                },
            ),
            ["v1", "admin", "pages", page] => (
                &["PUT"],
                (method == "PUT")
                    .then(|| slug(page).map(|page| Route::PutPage { page }))
                    .transpose()?,
            ),
            ["v1", "admin", "pages", page, "incidents"] => (
                &["POST"],
                (method == "POST")
                    .then(|| slug(page).map(|page| Route::OpenIncident { page }))
                    .transpose()?,
            ),
            ["v1", "admin", "pages", page, "incidents", incident, "updates"] => (
                &["POST"],
                (method == "POST")
                    .then(|| {
                        Ok::<_, ApiError>(Route::PostUpdate {
                            page: slug(page)?,
                            incident: id(incident)?,
                        })
                    })
                    .transpose()?,
            ),
            _ => return Err(ApiError::not_found(format!("no endpoint at {path}"))),
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

fn slug(s: &str) -> Result<String, ApiError> {
    if is_slug(s) {
        Ok(s.to_owned())
    } else {
        Err(ApiError::not_found(format!(
            "{s:?} is not a page id (a-z, 0-9, -)"
        )))
    }
}

fn id(s: &str) -> Result<String, ApiError> {
    if !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(s.to_owned())
    } else {
        Err(ApiError::not_found(format!("{s:?} is not an incident id")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("GET", "/v1/pages/demo/banner.json", "Banner { page: \"demo\" }"),
            ("HEAD", "/v1/pages/demo/banner.json", "Banner { page: \"demo\" }"),
            ("OPTIONS", "/v1/pages/demo/banner.json", "Preflight"),
            ("POST", "/v1/pages/demo/banner.json", "405 POST is not allowed on /v1/pages/demo/banner.json; allowed: GET, HEAD, OPTIONS"),
            ("GET", "/v1/pages/Demo/banner.json", "404 \"Demo\" is not a page id (a-z, 0-9, -)"),
            ("PUT", "/v1/admin/pages/demo", "PutPage { page: \"demo\" }"),
            ("POST", "/v1/admin/pages/demo/incidents", "OpenIncident { page: \"demo\" }"),
            ("GET", "/v1/admin/pages/demo/incidents", "405 GET is not allowed on /v1/admin/pages/demo/incidents; allowed: POST"),
            ("POST", "/v1/admin/pages/demo/incidents/inc_1/updates", "PostUpdate { page: \"demo\", incident: \"inc_1\" }"),
            ("POST", "/v1/admin/pages/demo/incidents/a%20b/updates", "404 \"a%20b\" is not an incident id"),
            ("GET", "/v2/nothing", "404 no endpoint at /v2/nothing"),
        ];
        for (method, path, want) in cases {
            assert_eq!(show(method, path), want, "{method} {path}");
        }
    }
}

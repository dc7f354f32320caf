//! The admin API as the console calls it: one typed error that screens match on (401 signs out,
//! a problem naming a field is shown next to that field), and, in the browser, the requests
//! themselves (`fetch`, JSON through the browser's `JSON.parse` and serde-wasm-bindgen).

use herald_shared::wire::Problem;

/// What went wrong with a call, as the screens need to tell it apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401: the key is wrong or was revoked; the console forgets it and asks again.
    Unauthorized,
    /// 403: this key's role may not do that.
    Forbidden(String),
    /// 404: no such page or item.
    NotFound(String),
    /// 400 or 422: the input was refused, `field` names the input to blame when one is.
    Invalid {
        field: Option<String>,
        detail: String,
    },
    /// 409 or 412: the page changed in the meantime or the step is not allowed now.
    Conflict(String),
    /// 5xx or an answer the console could not read.
    Server(String),
    /// The request did not complete (offline, connection refused).
    Network(String),
}

impl ApiError {
    /// Classifies an error answer by its status, with its problem document when it had one.
    pub fn from_answer(status: u16, problem: Option<Problem>) -> ApiError {
        let detail = problem
            .as_ref()
            .map(|p| p.detail.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("the server answered {status}"));
        match status {
            401 => ApiError::Unauthorized,
            403 => ApiError::Forbidden(detail),
            404 => ApiError::NotFound(detail),
            400 | 413 | 422 => ApiError::Invalid {
                field: problem.and_then(|p| p.field),
                detail,
            },
            409 | 412 => ApiError::Conflict(detail),
            _ => ApiError::Server(detail),
        }
    }

    /// The input this error is about, if one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The sentence shown to the person.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthorized => "This key was not accepted. Sign in again.".into(),
            ApiError::Forbidden(d) => format!("Not allowed for this key: {d}"),
            ApiError::NotFound(d) => format!("Not found: {d}"),
            ApiError::Invalid { detail, .. } => detail.clone(),
            ApiError::Conflict(d) => format!("Not possible now: {d}"),
            ApiError::Server(d) => format!("The server failed: {d}. Try again."),
            ApiError::Network(d) => format!("No connection to Herald ({d}). Try again."),
        }
    }
}

/// Which of `fields` an error belongs next to; `None` shows it at the top of the form.
pub fn placed<'a>(error: &ApiError, fields: &[&'a str]) -> Option<&'a str> {
    let f = error.field()?;
    fields.iter().copied().find(|known| {
        *known == f
            || f.strip_prefix(known)
                .is_some_and(|r| r.starts_with(['.', '[']))
    })
}

#[cfg(target_arch = "wasm32")]
pub use browser::*;

#[cfg(target_arch = "wasm32")]
mod browser {
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Headers, Request, RequestInit, Response};

    use super::ApiError;
    use herald_shared::model::State;
    use herald_shared::wire::Problem;

    /// A signed-in caller: the page and the key.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Client {
        pub page: String,
        pub key: String,
    }

    /// An answer's status and body.
    pub struct Answer {
        pub status: u16,
        pub etag: Option<String>,
        /// `Link`, on a list with a next page.
        pub link: Option<String>,
        pub body: JsValue,
        /// The body as text, as it came.
        pub text: String,
    }

    fn js_err(e: JsValue) -> ApiError {
        ApiError::Network(
            e.as_string()
                .or_else(|| {
                    js_sys::Reflect::get(&e, &"message".into())
                        .ok()
                        .and_then(|m| m.as_string())
                })
                .unwrap_or_else(|| "request failed".into()),
        )
    }

    impl Client {
        fn url(&self, rest: &str) -> String {
            if rest.is_empty() {
                format!("/v1/admin/pages/{}", self.page)
            } else {
                format!("/v1/admin/pages/{}/{rest}", self.page)
            }
        }

        /// Sends a request; any answer (even an error status) is returned, only a failed
        /// connection is an error.
        pub async fn send(
            &self,
            method: &str,
            rest: &str,
            body: Option<String>,
            if_none_match: Option<&str>,
        ) -> Result<Answer, ApiError> {
            self.send_as(method, rest, body, "application/json", if_none_match)
                .await
        }

        /// As `send`, with a body of `content_type` (an import's CSV).
        pub async fn send_as(
            &self,
            method: &str,
            rest: &str,
            body: Option<String>,
            content_type: &str,
            if_none_match: Option<&str>,
        ) -> Result<Answer, ApiError> {
            let headers = Headers::new().map_err(js_err)?;
            headers
                .set("authorization", &format!("Bearer {}", self.key))
                .map_err(js_err)?;
            if body.is_some() {
                headers.set("content-type", content_type).map_err(js_err)?;
            }
            if let Some(tag) = if_none_match {
                headers.set("if-none-match", tag).map_err(js_err)?;
            }
            let init = RequestInit::new();
            init.set_method(method);
            init.set_headers(&headers);
            if let Some(b) = &body {
                init.set_body(&JsValue::from_str(b));
            }
            let req = Request::new_with_str_and_init(&self.url(rest), &init).map_err(js_err)?;
            let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
            let resp: Response = JsFuture::from(window.fetch_with_request(&req))
                .await
                .map_err(js_err)?
                .unchecked_into();
            let status = resp.status();
            let etag = resp.headers().get("etag").ok().flatten();
            let link = resp.headers().get("link").ok().flatten();
            let text = JsFuture::from(resp.text().map_err(js_err)?)
                .await
                .map_err(js_err)?
                .as_string()
                .unwrap_or_default();
            let body = if text.is_empty() {
                JsValue::NULL
            } else {
                js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL)
            };
            Ok(Answer {
                status,
                etag,
                link,
                body,
                text,
            })
        }

        /// Sends a request and reads a success as `T`, an error answer as [`ApiError`].
        pub async fn call<T: DeserializeOwned>(
            &self,
            method: &str,
            rest: &str,
            body: Option<&impl Serialize>,
        ) -> Result<T, ApiError> {
            let body = match body {
                Some(b) => Some(to_json(b)?),
                None => None,
            };
            let a = self.send(method, rest, body, None).await?;
            read(a)
        }

        /// A `GET` of a list: its page, and the `Link` header naming the next page, if any.
        pub async fn list<T: DeserializeOwned>(
            &self,
            rest: &str,
        ) -> Result<(T, Option<String>), ApiError> {
            let a = self.send("GET", rest, None, None).await?;
            let link = a.link.clone();
            read(a).map(|t| (t, link))
        }

        /// An answer's text as it came (an export: CSV or JSON to save), or the API's error.
        pub async fn text(&self, rest: &str) -> Result<String, ApiError> {
            let a = self.send("GET", rest, None, None).await?;
            if (200..300).contains(&a.status) {
                Ok(a.text)
            } else {
                let problem: Option<Problem> = serde_wasm_bindgen::from_value(a.body).ok();
                Err(ApiError::from_answer(a.status, problem))
            }
        }

        /// The page's state (everything but subscribers), unless its ETag is still `etag` (the
        /// API answers 304 then).
        // TODO(wire): move to shared::wire: this answer's shape (`State` without `subscribers`) is
        // `shared::wire::PageCore`, which only serializes; the console reads it as a `State`.
        pub async fn page(&self, etag: Option<&str>) -> Result<Option<(State, String)>, ApiError> {
            let a = self.send("GET", "", None, etag).await?;
            let tag = a.etag.clone().unwrap_or_default();
            if a.status == 304 || (etag.is_some() && etag == a.etag.as_deref()) {
                return Ok(None);
            }
            let state: State = read(a)?;
            Ok(Some((state, tag)))
        }
    }

    /// JSON text of a wire value, through the browser's `JSON.stringify`.
    pub fn to_json(value: &impl Serialize) -> Result<String, ApiError> {
        let ser = serde_wasm_bindgen::Serializer::json_compatible();
        let js = value
            .serialize(&ser)
            .map_err(|e| ApiError::Server(e.to_string()))?;
        js_sys::JSON::stringify(&js)
            .map(String::from)
            .map_err(js_err)
    }

    fn read<T: DeserializeOwned>(a: Answer) -> Result<T, ApiError> {
        if (200..300).contains(&a.status) {
            serde_wasm_bindgen::from_value(a.body)
                .map_err(|e| ApiError::Server(format!("unreadable answer: {e}")))
        } else {
            let problem: Option<Problem> = serde_wasm_bindgen::from_value(a.body).ok();
            Err(ApiError::from_answer(a.status, problem))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, field: Option<&str>) -> Problem {
        Problem {
            kind: "https://herald.dev/problems/x".into(),
            title: "t".into(),
            status,
            detail: "title must be 1 to 200 characters".into(),
            field: field.map(str::to_owned),
        }
    }

    #[test]
    fn answers_are_classified_for_the_screens() {
        let invalid = |field: Option<&str>| ApiError::Invalid {
            field: field.map(str::to_owned),
            detail: "title must be 1 to 200 characters".into(),
        };
        let cases = [
            (401, Some(problem(401, None)), ApiError::Unauthorized),
            (
                403,
                Some(problem(403, None)),
                ApiError::Forbidden("title must be 1 to 200 characters".into()),
            ),
            (
                422,
                Some(problem(422, Some("title"))),
                invalid(Some("title")),
            ),
            (400, Some(problem(400, None)), invalid(None)),
            (
                412,
                Some(problem(412, None)),
                ApiError::Conflict("title must be 1 to 200 characters".into()),
            ),
            (
                502,
                None,
                ApiError::Server("the server answered 502".into()),
            ),
        ];
        for (status, p, want) in cases {
            assert_eq!(ApiError::from_answer(status, p), want, "{status}");
        }
    }

    #[test]
    fn an_error_is_placed_next_to_the_field_it_names() {
        let fields = ["title", "body", "components", "next_update_at"];
        let e = |f: &str| ApiError::Invalid {
            field: Some(f.into()),
            detail: String::new(),
        };
        assert_eq!(placed(&e("title"), &fields), Some("title"));
        assert_eq!(placed(&e("components[1]"), &fields), Some("components"));
        assert_eq!(placed(&e("override_reason"), &fields), None);
        assert_eq!(placed(&ApiError::Unauthorized, &fields), None);
        assert!(ApiError::Unauthorized.message().contains("Sign in again"));
    }
}

//! One error type for every handler, turned into an RFC 9457 `application/problem+json` response.
//! Client errors are answered as they are; server errors are logged once and answered generically.

use herald_shared::wire::{Problem, PROBLEM_CONTENT_TYPE};
use herald_shared::DomainError;
use worker::{Headers, Response};

/// Why a request failed.
#[derive(Debug)]
pub enum ApiError {
    /// The client's fault: the status, a stable type slug, a title, the detail and the field.
    Client {
        status: u16,
        kind: &'static str,
        title: &'static str,
        detail: String,
        field: Option<String>,
    },
    /// Ours: logged, never shown to the client in detail.
    Server(String),
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

impl ApiError {
    pub fn client(
        status: u16,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self::Client {
            status,
            kind,
            title,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, name: impl Into<String>) -> Self {
        if let Self::Client { field, .. } = &mut self {
            *field = Some(name.into());
        }
        self
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::client(404, "not-found", "Not found", detail)
    }

    pub fn unauthorized() -> Self {
        Self::client(
            401,
            "unauthorized",
            "Missing or invalid API key",
            "send the admin API key as `Authorization: Bearer <key>`",
        )
    }

    pub fn bad_json(err: &serde_json::Error) -> Self {
        Self::client(
            400,
            "invalid-json",
            "Request body is not valid JSON for this endpoint",
            err.to_string(),
        )
    }

    pub fn into_problem(self) -> Problem {
        match self {
            Self::Client {
                status,
                kind,
                title,
                detail,
                field,
            } => Problem {
                kind: format!("https://herald.dev/problems/{kind}"),
                title: title.into(),
                status,
                detail,
                field,
            },
            Self::Server(msg) => {
                worker::console_error!("internal error: {msg}");
                Problem {
                    kind: "https://herald.dev/problems/internal".into(),
                    title: "Internal error".into(),
                    status: 500,
                    detail: "something went wrong on our side; nothing you sent was lost if it was accepted".into(),
                    field: None,
                }
            }
        }
    }

    pub fn into_response(self) -> worker::Result<Response> {
        problem_response(&self.into_problem())
    }
}

/// Serializes a problem document with its status and content type.
pub fn problem_response(problem: &Problem) -> worker::Result<Response> {
    let body =
        serde_json::to_string(problem).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let headers = Headers::new();
    headers.set("content-type", PROBLEM_CONTENT_TYPE)?;
    headers.set("cache-control", "no-store")?;
    headers.set("access-control-allow-origin", "*")?;
    Ok(Response::ok(body)?
        .with_status(problem.status)
        .with_headers(headers))
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        Self::Server(e.to_string())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let field = e.field();
        let err = Self::client(e.status(), e.kind(), e.title(), e.to_string());
        match field {
            Some(f) => err.with_field(f),
            None => err,
        }
    }
}

/// An answer body as JSON; serialization failing is our fault, not the client's.
pub fn json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::Server(e.to_string()))
}

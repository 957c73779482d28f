//! Every error answer the server gives, and the one place that turns it into a response.
//!
//! The bodies, statuses and content types are production's (spec §2), down to its quirks: the
//! app queries' problems go out as `application/json` because their actions declare
//! `[Produces("application/json")]`, the generic query's as `application/cloudevents+json`
//! (its `[Produces]`), the generic publish's as `application/problem+json` (it declares none),
//! while the 415 and unhandled-exception 500, produced outside the action, keep
//! `application/problem+json`.

use std::borrow::Cow;

use bytes::Bytes;
use hyper::header::{ALLOW, CONNECTION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::{Response, StatusCode};

use super::response_body::ResponseBody;
use super::trace::TraceContext;
use crate::domain::json::write_str;
use crate::domain::query::{BindingErrors, QueryError, RegisterRejection};
use crate::service::EventCapReached;

/// An HTTP response.
pub(super) type HttpResponse = Response<ResponseBody>;

/// Why a request does not get its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Problem {
    /// Rule A: no usable token. Empty body, no `WWW-Authenticate`, no content type.
    Unauthenticated,
    /// A `Content-Type` that is not JSON.
    UnsupportedMediaType,
    /// Rule B: parameters that did not bind.
    Validation(BindingErrors),
    /// Rule C: the token has no `urn:altinn:org` claim.
    OnlyOrgs,
    /// Rules 1–7 (and the party query's rule 8).
    BadRequest(&'static str),
    /// `GET /events`: parameters that did not bind, served as `application/cloudevents+json`.
    GenericValidation(BindingErrors),
    /// `GET /events`: rules 1–3, served as `application/cloudevents+json`.
    GenericBadRequest(&'static str),
    /// `POST /events`: a body the CloudEvents SDK did not read (`application/problem+json`).
    BodyValidation(BindingErrors),
    /// `POST /events`: rules 1–2 (`application/problem+json`).
    GenericPublishBadRequest(&'static str),
    /// Rule 8: the party register refused the lookup (production's 500).
    RegisterRejected(RegisterRejection),
    /// Rule 9: the party register does not know the unit or person.
    PartyNotFound,
    /// Production throws and its exception handler answers a bare 500; the reason is logged.
    Unhandled(Cow<'static, str>),
    /// A method the path does not serve; `allow` lists those it does.
    MethodNotAllowed { allow: &'static str },
    /// A path nothing is served at: 404 with an empty body.
    NoSuchPath,
    /// A bad request to one of the mock's own endpoints (`/_mock/…`).
    MockBadRequest(String),
    /// A request body over the limit.
    PayloadTooLarge { max: usize },
    /// An empty 403: publishing without a valid `PlatformAccessToken`, a token without the
    /// scope an endpoint requires, or a policy decision against the caller.
    Forbidden,
    /// Publishing without source, specversion, type or subject.
    PublishMissingValues,
    /// Publishing for a source outside the access token's app: 401 with this JSON string.
    PublishNotAuthorized(String),
    /// `/_mock` without the `--admin-token` secret.
    AdminUnauthorized,
    /// Kestrel: a request line over 8 KiB.
    RequestLineTooLong,
    /// Kestrel: request headers over 32 KiB.
    HeadersTooLarge,
    /// Kestrel: a header value that is not UTF-8, or a `Host` that is no valid authority.
    MalformedRequest,
    /// Kestrel: a request body slower than the minimum data rate.
    RequestBodyTimeout,
    /// An `x-mock-fault` header without the `--admin-token` secret in `x-mock-admin-token`.
    FaultHeaderUnauthorized,
    /// A fault rule's `status:CODE`, with its `retry_after`.
    Injected {
        status: u16,
        retry_after: Option<u64>,
    },
    /// `/_mock/faults/{id}` for a rule that does not stand (or an id that is no number).
    NoSuchFault(String),
    /// A request whose `x-mock-fault` header does not parse.
    BadFaultHeader(String),
    /// No `Content-Type` where the body must be JSON: body binding's 415, written by the
    /// action's formatter (`application/json`), not the `[Consumes]` filter's.
    UnsupportedMediaTypeInBinding,
    /// A body or route value that did not bind: ValidationProblemDetails with one error
    /// under the key the client's spelling gives.
    BindingFailed { key: String, message: String },
    /// An action's `StatusCode(status, "message")`: the message as a JSON string.
    Message { status: StatusCode, message: String },
    /// An empty answer with this status (an action's `Forbid()` or `StatusCode(404, null)`).
    Bare(StatusCode),
    /// `/_mock/…/{id}` naming nothing: what is missing.
    MockNotFound(String),
    /// The mock's own refusal with a ProblemDetails (`application/problem+json`): a namespace
    /// name taken (409), a namespace's event cap (413), the cap on namespaces (429).
    MockRefused { status: StatusCode, detail: String },
}

const TYPE_400: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.1";
const TYPE_401: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.2";
const TYPE_413: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.14";
const TYPE_404: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.5";
const TYPE_415: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.16";
const TYPE_500: &str = "https://tools.ietf.org/html/rfc9110#section-15.6.1";
const TITLE_500: &str = "An error occurred while processing your request.";
const TITLE_VALIDATION: &str = "One or more validation errors occurred.";

/// The content type of the JSON answers that are not problem details.
pub(super) const JSON: &str = "application/json; charset=utf-8";
const PROBLEM_JSON: &str = "application/problem+json; charset=utf-8";
const CLOUDEVENTS_JSON: &str = super::page::CLOUDEVENTS_JSON;

impl From<EventCapReached> for Problem {
    fn from(full: EventCapReached) -> Problem {
        Problem::MockRefused {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            detail: full.to_string(),
        }
    }
}

impl From<QueryError> for Problem {
    fn from(error: QueryError) -> Problem {
        match error {
            QueryError::Invalid(detail) => Problem::BadRequest(detail),
            QueryError::RegisterRejected(rejection) => Problem::RegisterRejected(rejection),
            QueryError::PartyNotFound => Problem::PartyNotFound,
            QueryError::Unhandled(reason) => Problem::Unhandled(reason.into()),
        }
    }
}

impl Problem {
    /// The response production gives for this problem, `traceId` from `trace`.
    pub(super) fn into_response(self, trace: &TraceContext) -> HttpResponse {
        let trace_id = trace.activity_id();
        match self {
            Problem::Unauthenticated => empty(StatusCode::UNAUTHORIZED),
            Problem::RequestLineTooLong => empty(StatusCode::URI_TOO_LONG),
            Problem::HeadersTooLarge => empty(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
            // Kestrel closes the connection after either.
            Problem::MalformedRequest => closing(empty(StatusCode::BAD_REQUEST)),
            Problem::RequestBodyTimeout => closing(empty(StatusCode::REQUEST_TIMEOUT)),
            Problem::NoSuchPath => empty(StatusCode::NOT_FOUND),
            Problem::MethodNotAllowed { allow } => {
                let mut response = empty(StatusCode::METHOD_NOT_ALLOWED);
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static(allow));
                response
            }
            Problem::OnlyOrgs => {
                let mut body = Vec::new();
                write_str(&mut body, "Only orgs can call this api");
                with_body(StatusCode::UNAUTHORIZED, JSON, body)
            }
            Problem::UnsupportedMediaType => {
                let body =
                    ProblemBody::new(TYPE_415, "Unsupported Media Type", 415).finish(&trace_id);
                with_body(StatusCode::UNSUPPORTED_MEDIA_TYPE, PROBLEM_JSON, body)
            }
            Problem::Validation(errors) => validation(&errors, JSON, &trace_id),
            Problem::GenericValidation(errors) => validation(&errors, CLOUDEVENTS_JSON, &trace_id),
            Problem::BodyValidation(errors) => validation(&errors, PROBLEM_JSON, &trace_id),
            Problem::BadRequest(detail) => bad_request(detail, JSON, &trace_id),
            Problem::GenericBadRequest(detail) => bad_request(detail, CLOUDEVENTS_JSON, &trace_id),
            Problem::GenericPublishBadRequest(detail) => {
                bad_request(detail, PROBLEM_JSON, &trace_id)
            }
            Problem::RegisterRejected(rejection) => {
                let detail = register_failure_detail(&rejection, trace);
                let body = ProblemBody::new(TYPE_500, TITLE_500, 500)
                    .detail(&detail)
                    .finish(&trace_id);
                with_body(StatusCode::INTERNAL_SERVER_ERROR, JSON, body)
            }
            Problem::PartyNotFound => {
                let body = ProblemBody::new(TYPE_404, "Not Found", 404).finish(&trace_id);
                with_body(StatusCode::NOT_FOUND, JSON, body)
            }
            Problem::Unhandled(reason) => {
                // Production logs the exception; a test double says why it failed too.
                tracing::error!(%reason, trace_id = trace.trace_id(), "answered 500");
                let body = ProblemBody::new(TYPE_500, TITLE_500, 500).finish(&trace_id);
                with_body(StatusCode::INTERNAL_SERVER_ERROR, PROBLEM_JSON, body)
            }
            Problem::Forbidden => empty(StatusCode::FORBIDDEN),
            Problem::PublishNotAuthorized(message) => {
                let mut body = Vec::new();
                write_str(&mut body, &message);
                with_body(StatusCode::UNAUTHORIZED, JSON, body)
            }
            Problem::PublishMissingValues => bad_request(
                "Missing parameter values: source, subject and type cannot be null",
                JSON,
                &trace_id,
            ),
            Problem::PayloadTooLarge { max } => {
                let detail = format!(
                    "The request body is larger than the limit of {max} bytes (--max-body)."
                );
                let body = ProblemBody::new(TYPE_413, "Payload Too Large", 413)
                    .detail(&detail)
                    .finish(&trace_id);
                with_body(StatusCode::PAYLOAD_TOO_LARGE, PROBLEM_JSON, body)
            }
            Problem::AdminUnauthorized | Problem::FaultHeaderUnauthorized => {
                let detail = if self == Problem::AdminUnauthorized {
                    "The admin API needs `Authorization: Bearer <the --admin-token secret>`."
                } else {
                    "The x-mock-fault header needs the --admin-token secret in an `x-mock-admin-token` header."
                };
                let body = ProblemBody::new(TYPE_401, "Unauthorized", 401)
                    .detail(detail)
                    .finish(&trace_id);
                let mut response = with_body(StatusCode::UNAUTHORIZED, PROBLEM_JSON, body);
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            Problem::Injected {
                status,
                retry_after,
            } => match StatusCode::from_u16(status) {
                Ok(status) => injected(status, retry_after, &trace_id),
                // A rule is checked when built: its status is always one (200 to 599).
                Err(_) => Problem::Unhandled(
                    format!("a fault rule's status {status} is not a status").into(),
                )
                .into_response(trace),
            },
            Problem::NoSuchFault(id) => {
                let detail = format!("there is no fault rule {id} (GET /_mock/faults lists them)");
                let body = ProblemBody::new(TYPE_404, "Not Found", 404)
                    .detail(&detail)
                    .finish(&trace_id);
                with_body(StatusCode::NOT_FOUND, PROBLEM_JSON, body)
            }
            Problem::BadFaultHeader(message) => {
                let detail = format!("x-mock-fault: {message}");
                Problem::MockBadRequest(detail).into_response(trace)
            }
            Problem::UnsupportedMediaTypeInBinding => {
                let body =
                    ProblemBody::new(TYPE_415, "Unsupported Media Type", 415).finish(&trace_id);
                with_body(StatusCode::UNSUPPORTED_MEDIA_TYPE, JSON, body)
            }
            Problem::BindingFailed { key, message } => {
                let body = ProblemBody::new(TYPE_400, TITLE_VALIDATION, 400)
                    .errors([(key.as_str(), message.as_str())])
                    .finish(&trace_id);
                with_body(StatusCode::BAD_REQUEST, JSON, body)
            }
            Problem::Message { status, message } => {
                let mut body = Vec::new();
                write_str(&mut body, &message);
                with_body(status, JSON, body)
            }
            Problem::Bare(status) => empty(status),
            Problem::MockNotFound(detail) => {
                let body = ProblemBody::new(TYPE_404, "Not Found", 404)
                    .detail(&detail)
                    .finish(&trace_id);
                with_body(StatusCode::NOT_FOUND, PROBLEM_JSON, body)
            }
            Problem::MockRefused { status, detail } => {
                let (type_uri, title) = mock_refusal_type(status);
                let body = ProblemBody::new(type_uri, title, status.as_u16())
                    .detail(&detail)
                    .finish(&trace_id);
                with_body(status, PROBLEM_JSON, body)
            }
            Problem::MockBadRequest(detail) => {
                let body = ProblemBody::new(TYPE_400, "Bad Request", 400)
                    .detail(&detail)
                    .finish(&trace_id);
                with_body(StatusCode::BAD_REQUEST, PROBLEM_JSON, body)
            }
        }
    }
}

/// A 400 ProblemDetails with `detail`, served as `content_type`.
fn bad_request(detail: &str, content_type: &'static str, trace_id: &str) -> HttpResponse {
    let body = ProblemBody::new(TYPE_400, "Bad Request", 400)
        .detail(detail)
        .finish(trace_id);
    with_body(StatusCode::BAD_REQUEST, content_type, body)
}

/// A 400 ValidationProblemDetails listing `errors`, served as `content_type`.
fn validation(errors: &BindingErrors, content_type: &'static str, trace_id: &str) -> HttpResponse {
    let body = ProblemBody::new(TYPE_400, TITLE_VALIDATION, 400)
        .errors(
            errors
                .errors
                .iter()
                .map(|(key, message)| (*key, message.as_str())),
        )
        .finish(trace_id);
    with_body(StatusCode::BAD_REQUEST, content_type, body)
}

/// A fault's status as ASP.NET Core would shape it: ProblemDetails for 4xx and 5xx, with
/// `type` and `title` only for the statuses ASP.NET Core has defaults for; no body otherwise.
fn injected(status: StatusCode, retry_after: Option<u64>, trace_id: &str) -> HttpResponse {
    let mut response = if status.is_client_error() || status.is_server_error() {
        let body = match aspnet_defaults(status.as_u16()) {
            Some((type_uri, title)) => ProblemBody::new(type_uri, title, status.as_u16()),
            None => ProblemBody::status_only(status.as_u16()),
        };
        with_body(status, PROBLEM_JSON, body.finish(trace_id))
    } else {
        empty(status)
    };
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// ASP.NET Core's ProblemDetails defaults (`type`, `title`) by status.
fn aspnet_defaults(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        400 => (TYPE_400, "Bad Request"),
        401 => (TYPE_401, "Unauthorized"),
        403 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.4",
            "Forbidden",
        ),
        404 => (TYPE_404, "Not Found"),
        405 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.6",
            "Method Not Allowed",
        ),
        406 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.7",
            "Not Acceptable",
        ),
        408 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.9",
            "Request Timeout",
        ),
        409 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.10",
            "Conflict",
        ),
        412 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.13",
            "Precondition Failed",
        ),
        415 => (TYPE_415, "Unsupported Media Type"),
        422 => (
            "https://tools.ietf.org/html/rfc4918#section-11.2",
            "Unprocessable Entity",
        ),
        426 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.22",
            "Upgrade Required",
        ),
        500 => (TYPE_500, TITLE_500),
        502 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.3",
            "Bad Gateway",
        ),
        503 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.4",
            "Service Unavailable",
        ),
        504 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.5",
            "Gateway Timeout",
        ),
        _ => return None,
    })
}

/// The `type` and `title` of the mock's own refusals: ASP.NET Core's where it has them, and
/// the RFCs' for the two statuses it has none for.
fn mock_refusal_type(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        413 => (TYPE_413, "Payload Too Large"),
        429 => (
            "https://tools.ietf.org/html/rfc6585#section-4",
            "Too Many Requests",
        ),
        code => aspnet_defaults(code).unwrap_or((TYPE_400, "Bad Request")),
    }
}

/// Production wraps the register's answer as `{status} - {reason} - {body}`; the register's
/// body is its own ValidationProblemDetails, in the same trace.
fn register_failure_detail(rejection: &RegisterRejection, trace: &TraceContext) -> String {
    let register_body = ProblemBody::new(TYPE_400, TITLE_VALIDATION, 400)
        .errors([(rejection.field, rejection.message)])
        .finish(&trace.activity_id());
    format!(
        "400 - Bad Request - {}",
        String::from_utf8_lossy(&register_body)
    )
}

/// Writes ProblemDetails properties in ASP.NET Core's order: `type`, `title`, `status`,
/// `detail`, `errors`, then the `traceId` extension.
struct ProblemBody {
    out: Vec<u8>,
}

impl ProblemBody {
    fn new(type_uri: &str, title: &str, status: u16) -> ProblemBody {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"type\":");
        write_str(&mut out, type_uri);
        out.extend_from_slice(b",\"title\":");
        write_str(&mut out, title);
        out.extend_from_slice(format!(",\"status\":{status}").as_bytes());
        ProblemBody { out }
    }

    /// `{"status": N, …}`: what ASP.NET Core writes for a status it has no defaults for.
    fn status_only(status: u16) -> ProblemBody {
        ProblemBody {
            out: format!("{{\"status\":{status}").into_bytes(),
        }
    }

    fn detail(mut self, detail: &str) -> ProblemBody {
        self.out.extend_from_slice(b",\"detail\":");
        write_str(&mut self.out, detail);
        self
    }

    fn errors<'a>(mut self, errors: impl IntoIterator<Item = (&'a str, &'a str)>) -> ProblemBody {
        self.out.extend_from_slice(b",\"errors\":{");
        for (i, (key, message)) in errors.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_str(&mut self.out, key);
            self.out.extend_from_slice(b":[");
            write_str(&mut self.out, message);
            self.out.push(b']');
        }
        self.out.push(b'}');
        self
    }

    fn finish(mut self, trace_id: &str) -> Vec<u8> {
        self.out.extend_from_slice(b",\"traceId\":");
        write_str(&mut self.out, trace_id);
        self.out.push(b'}');
        self.out
    }
}

/// `response`, after which the connection closes.
fn closing(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A response with no body and no content type.
pub(super) fn empty(status: StatusCode) -> HttpResponse {
    let mut response = Response::new(ResponseBody::complete(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// `value` as a JSON body.
pub(super) fn json_response(status: StatusCode, value: &impl serde::Serialize) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    with_body(status, JSON, body)
}

/// A response with `body` of `content_type`.
pub(super) fn with_body(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> HttpResponse {
    let mut response = Response::new(ResponseBody::complete(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

//! Every error answer the server gives, and the one place that turns it into a response.
//!
//! The bodies, statuses and content types are production's (spec §2), down to its quirks: the
//! app queries' problems go out as `application/json` because their actions declare
//! `[Produces("application/json")]`, the generic query's as `application/cloudevents+json`
//! (its `[Produces]`), the generic publish's as `application/problem+json` (it declares none),
//! while the 415 and unhandled-exception 500, produced outside the action, keep
//! `application/problem+json`.

mod body;

use std::borrow::Cow;

use bytes::Bytes;
use hyper::header::{ALLOW, CONNECTION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::{Response, StatusCode};

use super::response_body::ResponseBody;
use super::trace::TraceContext;
use crate::domain::json::write_str;
use crate::domain::query::{BindingErrors, QueryError, RegisterRejection};
use crate::service::EventCapReached;
use body::ProblemBody;

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
        let trace_id = &trace.activity_id();
        let details = |status, content_type, detail: Option<&str>| {
            problem_details(status, content_type, detail, trace_id)
        };
        let bad_request = |content_type, detail: &str| {
            details(StatusCode::BAD_REQUEST, content_type, Some(detail))
        };
        match self {
            Problem::Unauthenticated => empty(StatusCode::UNAUTHORIZED),
            Problem::RequestLineTooLong => empty(StatusCode::URI_TOO_LONG),
            Problem::HeadersTooLarge => empty(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
            // Kestrel closes the connection after either.
            Problem::MalformedRequest => closing(empty(StatusCode::BAD_REQUEST)),
            Problem::RequestBodyTimeout => closing(empty(StatusCode::REQUEST_TIMEOUT)),
            Problem::NoSuchPath => empty(StatusCode::NOT_FOUND),
            Problem::MethodNotAllowed { allow } => method_not_allowed(allow),
            Problem::Forbidden => empty(StatusCode::FORBIDDEN),
            Problem::Bare(status) => empty(status),
            Problem::OnlyOrgs => json_string(StatusCode::UNAUTHORIZED, ONLY_ORGS),
            Problem::PublishNotAuthorized(message) => {
                json_string(StatusCode::UNAUTHORIZED, &message)
            }
            Problem::Message { status, message } => json_string(status, &message),
            Problem::Validation(errors) => validation(pairs(&errors), JSON, trace_id),
            Problem::GenericValidation(errors) => {
                validation(pairs(&errors), CLOUDEVENTS_JSON, trace_id)
            }
            Problem::BodyValidation(errors) => validation(pairs(&errors), PROBLEM_JSON, trace_id),
            Problem::BindingFailed { key, message } => {
                validation([(key.as_str(), message.as_str())], JSON, trace_id)
            }
            Problem::BadRequest(detail) => bad_request(JSON, detail),
            Problem::GenericBadRequest(detail) => bad_request(CLOUDEVENTS_JSON, detail),
            Problem::GenericPublishBadRequest(detail) => bad_request(PROBLEM_JSON, detail),
            Problem::PublishMissingValues => bad_request(JSON, MISSING_VALUES),
            Problem::MockBadRequest(detail) => bad_request(PROBLEM_JSON, &detail),
            Problem::BadFaultHeader(message) => {
                bad_request(PROBLEM_JSON, &format!("x-mock-fault: {message}"))
            }
            Problem::UnsupportedMediaType => {
                details(StatusCode::UNSUPPORTED_MEDIA_TYPE, PROBLEM_JSON, None)
            }
            Problem::UnsupportedMediaTypeInBinding => {
                details(StatusCode::UNSUPPORTED_MEDIA_TYPE, JSON, None)
            }
            Problem::PartyNotFound => details(StatusCode::NOT_FOUND, JSON, None),
            Problem::MockNotFound(detail) => {
                details(StatusCode::NOT_FOUND, PROBLEM_JSON, Some(&detail))
            }
            Problem::NoSuchFault(id) => details(
                StatusCode::NOT_FOUND,
                PROBLEM_JSON,
                Some(&format!(
                    "there is no fault rule {id} (GET /_mock/faults lists them)"
                )),
            ),
            Problem::MockRefused { status, detail } => details(status, PROBLEM_JSON, Some(&detail)),
            Problem::PayloadTooLarge { max } => details(
                StatusCode::PAYLOAD_TOO_LARGE,
                PROBLEM_JSON,
                Some(&format!(
                    "The request body is larger than the limit of {max} bytes (--max-body)."
                )),
            ),
            Problem::AdminUnauthorized => admin_unauthorized(ADMIN_TOKEN_NEEDED, trace_id),
            Problem::FaultHeaderUnauthorized => {
                admin_unauthorized(FAULT_HEADER_TOKEN_NEEDED, trace_id)
            }
            Problem::RegisterRejected(rejection) => register_rejected(&rejection, trace, trace_id),
            Problem::Unhandled(reason) => unhandled(&reason, trace, trace_id),
            Problem::Injected {
                status,
                retry_after,
            } => injected(status, retry_after, trace, trace_id),
        }
    }
}

const ONLY_ORGS: &str = "Only orgs can call this api";
const MISSING_VALUES: &str = "Missing parameter values: source, subject and type cannot be null";
const ADMIN_TOKEN_NEEDED: &str =
    "The admin API needs `Authorization: Bearer <the --admin-token secret>`.";
const FAULT_HEADER_TOKEN_NEEDED: &str =
    "The x-mock-fault header needs the --admin-token secret in an `x-mock-admin-token` header.";

/// A ProblemDetails of `status`, with `detail` if given, served as `content_type`.
fn problem_details(
    status: StatusCode,
    content_type: &'static str,
    detail: Option<&str>,
    trace_id: &str,
) -> HttpResponse {
    let mut body = ProblemBody::of(status);
    if let Some(detail) = detail {
        body = body.detail(detail);
    }
    with_body(status, content_type, body.finish(trace_id))
}

/// A 400 ValidationProblemDetails listing `errors`, served as `content_type`.
fn validation<'a>(
    errors: impl IntoIterator<Item = (&'a str, &'a str)>,
    content_type: &'static str,
    trace_id: &str,
) -> HttpResponse {
    let body = ProblemBody::validation().errors(errors).finish(trace_id);
    with_body(StatusCode::BAD_REQUEST, content_type, body)
}

/// The `(key, message)` pairs of parameters that did not bind.
fn pairs(errors: &BindingErrors) -> impl Iterator<Item = (&str, &str)> {
    errors
        .errors
        .iter()
        .map(|(key, message)| (*key, message.as_str()))
}

/// An action's `StatusCode(status, "message")`: the message as a JSON string.
fn json_string(status: StatusCode, message: &str) -> HttpResponse {
    let mut body = Vec::new();
    write_str(&mut body, message);
    with_body(status, JSON, body)
}

/// A 405 naming the methods the path serves.
fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = empty(StatusCode::METHOD_NOT_ALLOWED);
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// `/_mock` (or an `x-mock-fault` header) without the `--admin-token` secret: a 401 that says
/// where the secret goes.
fn admin_unauthorized(detail: &str, trace_id: &str) -> HttpResponse {
    let mut response = problem_details(
        StatusCode::UNAUTHORIZED,
        PROBLEM_JSON,
        Some(detail),
        trace_id,
    );
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Rule 8's 500: production wraps the register's answer as `{status} - {reason} - {body}`;
/// the register's body is its own ValidationProblemDetails, in the same trace (a span of its
/// own).
fn register_rejected(
    rejection: &RegisterRejection,
    trace: &TraceContext,
    trace_id: &str,
) -> HttpResponse {
    let register_body = ProblemBody::validation()
        .errors([(rejection.field, rejection.message)])
        .finish(&trace.activity_id());
    let detail = format!(
        "400 - Bad Request - {}",
        String::from_utf8_lossy(&register_body)
    );
    problem_details(
        StatusCode::INTERNAL_SERVER_ERROR,
        JSON,
        Some(&detail),
        trace_id,
    )
}

/// Production's exception handler: a bare 500 ProblemDetails.
fn unhandled(reason: &str, trace: &TraceContext, trace_id: &str) -> HttpResponse {
    // Production logs the exception; a test double says why it failed too.
    tracing::error!(%reason, trace_id = trace.trace_id(), "answered 500");
    problem_details(
        StatusCode::INTERNAL_SERVER_ERROR,
        PROBLEM_JSON,
        None,
        trace_id,
    )
}

/// A fault's status as ASP.NET Core would shape it: ProblemDetails for 4xx and 5xx, with
/// `type` and `title` only for the statuses ASP.NET Core has defaults for; no body otherwise.
fn injected(
    status: u16,
    retry_after: Option<u64>,
    trace: &TraceContext,
    trace_id: &str,
) -> HttpResponse {
    let Ok(status) = StatusCode::from_u16(status) else {
        // A rule is checked when built: its status is always one (200 to 599).
        let reason = format!("a fault rule's status {status} is not a status");
        return unhandled(&reason, trace, trace_id);
    };
    let mut response = if status.is_client_error() || status.is_server_error() {
        let body = ProblemBody::aspnet(status).finish(trace_id);
        with_body(status, PROBLEM_JSON, body)
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

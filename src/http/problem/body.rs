//! ProblemDetails bodies written byte for byte as ASP.NET Core writes them: the properties in
//! its order, and the `type` and `title` it gives each status. Kept apart from the mapping in
//! `mod.rs`, so that the table of type URIs does not hide which answer each problem gets.

use hyper::StatusCode;

use crate::domain::json::write_str;

const TYPE_400: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.1";
const TYPE_401: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.2";
const TYPE_413: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.14";
const TYPE_404: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.5";
const TYPE_415: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.16";
const TYPE_500: &str = "https://tools.ietf.org/html/rfc9110#section-15.6.1";
const TITLE_500: &str = "An error occurred while processing your request.";
const TITLE_VALIDATION: &str = "One or more validation errors occurred.";

/// Writes ProblemDetails properties in ASP.NET Core's order: `type`, `title`, `status`,
/// `detail`, `errors`, then the `traceId` extension.
pub(super) struct ProblemBody {
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

    /// `status` with its `type` and `title`: ASP.NET Core's where it has them, and the RFCs'
    /// for 413 and 429, which it has none for. Any other status is written as a 400's; every
    /// caller passes one of those.
    pub(super) fn of(status: StatusCode) -> ProblemBody {
        let (type_uri, title) = match status.as_u16() {
            413 => (TYPE_413, "Payload Too Large"),
            429 => (
                "https://tools.ietf.org/html/rfc6585#section-4",
                "Too Many Requests",
            ),
            code => aspnet_defaults(code).unwrap_or((TYPE_400, "Bad Request")),
        };
        ProblemBody::new(type_uri, title, status.as_u16())
    }

    /// What ASP.NET Core writes for a bare `status`: its `type` and `title` where it has
    /// defaults for the status, `{"status": N, …}` alone where it has none.
    pub(super) fn aspnet(status: StatusCode) -> ProblemBody {
        let code = status.as_u16();
        match aspnet_defaults(code) {
            Some((type_uri, title)) => ProblemBody::new(type_uri, title, code),
            None => ProblemBody {
                out: format!("{{\"status\":{code}").into_bytes(),
            },
        }
    }

    /// A 400 ValidationProblemDetails, before its `errors`.
    pub(super) fn validation() -> ProblemBody {
        ProblemBody::new(TYPE_400, TITLE_VALIDATION, 400)
    }

    /// Adds `detail`.
    pub(super) fn detail(mut self, detail: &str) -> ProblemBody {
        self.out.extend_from_slice(b",\"detail\":");
        write_str(&mut self.out, detail);
        self
    }

    /// Adds `errors`: one message under each key.
    pub(super) fn errors<'a>(
        mut self,
        errors: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> ProblemBody {
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

    /// Adds the `traceId` and closes the object: the body's bytes.
    pub(super) fn finish(mut self, trace_id: &str) -> Vec<u8> {
        self.out.extend_from_slice(b",\"traceId\":");
        write_str(&mut self.out, trace_id);
        self.out.push(b'}');
        self.out
    }
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

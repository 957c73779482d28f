//! What a fired rule does to one request, grouped by where the HTTP face applies it: before
//! the endpoint runs, on the page a query selects, or on the bytes of the answer.

use std::time::Duration;

use super::rule::Action;

/// The effect of a fired rule on one request; a delay range is already drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Answer this status instead of handling the request.
    Status {
        /// The status, 200 to 599.
        status: u16,
        /// `Retry-After` seconds.
        retry_after: Option<u64>,
    },
    /// Reset the connection instead of answering.
    Reset,
    /// Handle the request after this long.
    Delay(Duration),
    /// Change the page a query answers.
    Page(PageFault),
    /// Change how the answer's bytes go out.
    Shape(Shaping),
}

/// A fault on the page a query answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageFault {
    /// No `next` header.
    DropNext,
    /// `next` this many events before the page's last.
    StaleNext(usize),
    /// `[]` without `next`.
    EmptyPage,
}

/// A fault on the bytes of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shaping {
    /// The head, then the connection closes.
    CloseAfterHeaders,
    /// The head and this many body bytes, then the connection closes.
    Truncate(usize),
    /// 200 with the first half of the body.
    Malformed,
    /// The body in pieces spread over this long.
    SlowBody(Duration),
}

impl Action {
    /// Whether the action changes a query's page rather than the HTTP exchange.
    pub(crate) fn is_page_action(self) -> bool {
        matches!(self.effect(None, |min, _| min), Effect::Page(_))
    }

    /// The effect on one request; `draw` picks a delay from a range.
    pub(crate) fn effect(
        self,
        retry_after: Option<u64>,
        draw: impl FnOnce(Duration, Duration) -> Duration,
    ) -> Effect {
        match self {
            Action::Status(status) => Effect::Status {
                status,
                retry_after,
            },
            Action::Reset => Effect::Reset,
            Action::Delay(delay) => Effect::Delay(delay),
            Action::DelayBetween(min, max) => Effect::Delay(draw(min, max)),
            Action::CloseAfterHeaders => Effect::Shape(Shaping::CloseAfterHeaders),
            Action::Truncate(bytes) => Effect::Shape(Shaping::Truncate(bytes)),
            Action::Malformed => Effect::Shape(Shaping::Malformed),
            Action::SlowBody(duration) => Effect::Shape(Shaping::SlowBody(duration)),
            Action::DropNext => Effect::Page(PageFault::DropNext),
            Action::StaleNext(k) => Effect::Page(PageFault::StaleNext(k)),
            Action::EmptyPage => Effect::Page(PageFault::EmptyPage),
        }
    }
}

//! Fault injection: rules that make the server fail on purpose, so a consumer's retry, resume
//! and de-duplication code can be tested against every failure it must survive.
//!
//! A rule is *when* (a trigger, narrowed by route, org and app) plus *what* (an action). One
//! spelling serves the CLI, the admin API, the `x-mock-fault` header and Rust. This module
//! decides; `http::fault_shaping` turns a decision into bytes on the wire.

mod effect;
mod rule;
mod set;
mod spelling;
#[cfg(test)]
mod tests;
mod values;

pub(crate) use effect::{Effect, PageFault, Shaping};
pub use rule::{Action, FaultRule, FaultRuleError, FaultRuleErrorKind, Trigger};
pub use set::{FaultRecord, FaultStatus};
pub(crate) use set::{FaultSet, Fired};
pub(crate) use values::DEFAULT_MAX_FAULT_DURATION;

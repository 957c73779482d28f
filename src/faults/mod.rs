//! Fault injection: rules that make the server fail on purpose, so a consumer's retry, resume
//! and de-duplication code can be tested against every failure it must survive.
//!
//! A rule is *when* (a trigger, narrowed by route, org and app) plus *what* (an action). One
//! spelling serves the CLI, the admin API, the `x-mock-fault` header and Rust:
//!
//! ```
//! use altinn_events_mock::faults::{Action, FaultRule, Trigger};
//!
//! let rule: FaultRule = "when=nth:3,what=status:503,retry_after=2".parse().unwrap();
//! assert_eq!(rule.when, Trigger::Nth(3));
//! assert_eq!(rule.what, Action::Status(503));
//! assert_eq!(rule.retry_after, Some(2));
//! assert_eq!(rule.to_string(), "when=nth:3,what=status:503,retry_after=2");
//!
//! // The JSON form has the same keys.
//! let same: FaultRule =
//!     serde_json::from_str(r#"{"when": "nth:3", "what": "status:503", "retry_after": 2}"#).unwrap();
//! assert_eq!(same, rule);
//! ```

mod rule;
mod set;
mod spelling;
#[cfg(test)]
mod tests;

pub use rule::{Action, FaultRoute, FaultRule, FaultRuleError, Trigger};
pub use set::{FaultRecord, FaultSet, FaultStatus, Fired};

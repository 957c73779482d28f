//! Why a server did not start.

use std::fmt;
use std::io;

use crate::domain::event::InvalidEvent;
use crate::domain::fixtures::FixtureError;
use crate::domain::generate::GeneratorError;

/// Why a server did not start, with what a person needs to fix it.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// A fixture could not be read or is invalid: which file, where in it, and what is wrong.
    Fixture(FixtureError),
    /// An event given to the builder is invalid.
    Event(InvalidEvent),
    /// A PEM public key given to the builder is not an RSA public key.
    PublicKey {
        /// Which key, from 1, in the order given.
        index: usize,
        /// Why it was refused.
        reason: String,
    },
    /// The generator's options cannot make the events asked for.
    Generator(GeneratorError),
    /// A setting is out of range.
    Setting {
        /// The setting.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The address could not be bound.
    Bind {
        /// The address, `host:port`.
        address: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The server's thread or runtime could not be started.
    Runtime(io::Error),
}

impl StartError {
    /// The process exit code the binary ends with: 2 for bad input, 1 when the address is
    /// taken or the runtime cannot start.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            StartError::Bind { .. } | StartError::Runtime(_) => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Fixture(error) => error.fmt(f),
            StartError::Event(error) => error.fmt(f),
            StartError::PublicKey { index, reason } => write!(f, "public key #{index}: {reason}"),
            StartError::Generator(error) => write!(f, "the generator: {error}"),
            StartError::Setting { name, reason } => write!(f, "{name}: {reason}"),
            StartError::Bind { address, source } => {
                write!(f, "cannot listen on {address}: {source}")
            }
            StartError::Runtime(error) => write!(f, "cannot start the server's runtime: {error}"),
        }
    }
}

/// `Display` already says everything, the inner error included, so `source` names nothing:
/// an error reporter would otherwise print it twice. Match the variant to reach it.
impl std::error::Error for StartError {}

impl From<FixtureError> for StartError {
    fn from(error: FixtureError) -> StartError {
        StartError::Fixture(error)
    }
}

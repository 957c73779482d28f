//! The log subscriber `serve` installs from `--log-format` and `--log-level`: lines to stderr
//! through the [`LogPipe`], which never makes a request wait.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use clap::ValueEnum;
use tracing::level_filters::LevelFilter;

use crate::cli::log::LogPipe;
use crate::cli::log_line::{LineSubscriber, Shape, Sink};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum LogFormat {
    Text,
    Json,
}

/// The most detailed log lines written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum LogLevel {
    Off,
    Error,
    Info,
    Debug,
}

impl From<LogLevel> for LevelFilter {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Off => LevelFilter::OFF,
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
        }
    }
}

/// Logs to stderr through a bounded buffer that never makes a request wait; returns the
/// count of lines dropped while stderr could not take them. Should the writer thread not
/// start, lines go to stderr directly (and nothing is ever dropped).
pub(super) fn init(format: LogFormat, level: LogLevel) -> Arc<AtomicU64> {
    let shape = match format {
        LogFormat::Text => Shape::Text {
            ansi: std::io::stderr().is_terminal(),
        },
        LogFormat::Json => Shape::Json,
    };
    let (sink, dropped) = match LogPipe::start(format == LogFormat::Json) {
        Ok(pipe) => {
            let dropped = pipe.dropped();
            (Sink::Pipe(pipe), dropped)
        }
        Err(error) => {
            eprintln!("warning: logging directly to stderr: {error}");
            (Sink::Stderr, Arc::default())
        }
    };
    // Unless a subscriber is installed already.
    let _ = tracing::subscriber::set_global_default(LineSubscriber::new(sink, shape, level.into()));
    dropped
}

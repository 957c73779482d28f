//! The log subscriber `serve` installs from `--log-format` and `--log-level`: lines to stderr
//! through the [`LogPipe`], which never makes a request wait.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use clap::ValueEnum;
use tracing_subscriber::fmt::MakeWriter;

use crate::cli::log::LogPipe;

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

impl From<LogLevel> for tracing_subscriber::filter::LevelFilter {
    fn from(level: LogLevel) -> Self {
        use tracing_subscriber::filter::LevelFilter;
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
    let ansi = std::io::stderr().is_terminal();
    match LogPipe::start(format == LogFormat::Json) {
        Ok(pipe) => {
            let dropped = pipe.dropped();
            install(pipe, format, level, ansi);
            dropped
        }
        Err(error) => {
            eprintln!("warning: logging directly to stderr: {error}");
            install(std::io::stderr, format, level, ansi);
            Arc::default()
        }
    }
}

/// Installs the subscriber writing to `writer`, unless one is installed already.
fn install<W>(writer: W, format: LogFormat, level: LogLevel, ansi: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_target(false)
        .with_ansi(ansi)
        .with_max_level(level);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

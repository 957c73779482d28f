//! `health`: ask a running server whether it is up, for container health checks, which have
//! no shell and no curl in a `FROM scratch` image.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::domain::units::parse_duration;

/// Flags of `health`.
#[derive(Debug, Clone, Args)]
pub(super) struct HealthArgs {
    /// Address of the server to ask; an unspecified address (0.0.0.0, ::) asks loopback.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port of the server to ask.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_PORT", default_value_t = 5080)]
    port: u16,
    /// How long to wait for the answer.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_HEALTH_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    timeout: Duration,
}

/// Exit code 0 when `GET /_mock/health` answers 200, 1 otherwise (with the reason on stderr).
pub(super) fn run(args: HealthArgs) -> ExitCode {
    match check(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("unhealthy: {reason}");
            ExitCode::FAILURE
        }
    }
}

fn check(args: &HealthArgs) -> Result<(), String> {
    let address = address(&args.host, args.port)?;
    let mut stream = TcpStream::connect_timeout(&address, args.timeout)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let io = |e: std::io::Error| format!("{address}: {e}");
    stream.set_read_timeout(Some(args.timeout)).map_err(io)?;
    stream.set_write_timeout(Some(args.timeout)).map_err(io)?;
    let request =
        format!("GET /_mock/health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(io)?;
    let status_line = answer.split(|&b| b == b'\r').next().unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line);
    if status_line.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("{address} answered {status_line:?}"))
    }
}

/// Where to connect: the server's own address, loopback for an unspecified one.
fn address(host: &str, port: u16) -> Result<SocketAddr, String> {
    let resolved = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} names no address"))?;
    let ip = match resolved.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_address_asks_loopback() {
        assert_eq!(
            address("0.0.0.0", 5080).unwrap().to_string(),
            "127.0.0.1:5080"
        );
        assert_eq!(address("::", 5080).unwrap().to_string(), "[::1]:5080");
        assert_eq!(address("127.0.0.1", 1).unwrap().to_string(), "127.0.0.1:1");
    }
}

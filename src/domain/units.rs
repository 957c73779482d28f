//! Durations and sizes as people write them on a command line: `30s`, `250ms`, `16MiB`.

use std::time::Duration;

/// Parses `250ms`, `30s`, `2m`, `1h` (a whole number and a unit; a bare number is seconds).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let invalid = || {
        format!(
            "invalid duration {text:?}: write a whole number and a unit, like 250ms, 30s, 2m or 1h"
        )
    };
    let amount: u64 = number.parse().map_err(|_| invalid())?;
    let seconds_per_unit = match unit.trim() {
        "ms" => return Ok(Duration::from_millis(amount)),
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(invalid()),
    };
    amount
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("duration {text:?} is too large"))
}

/// Parses a byte size: `1048576`, `512KiB`, `16MiB`, `1GiB` (also `KB`/`MB`/`GB`, read as
/// powers of 1024 too).
pub(crate) fn parse_byte_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let invalid =
        || format!("invalid size {text:?}: write a whole number of bytes, or with KiB, MiB or GiB");
    let amount: usize = number.parse().map_err(|_| invalid())?;
    let multiplier: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(invalid()),
    };
    amount
        .checked_mul(multiplier)
        .ok_or_else(|| format!("size {text:?} is too large"))
}

/// A rate of events: `10/s`, `600/m`, `30/h`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    per_second: f64,
    text_count: u64,
    text_unit: char,
}

impl Rate {
    /// Events per second.
    pub(crate) fn per_second(self) -> f64 {
        self.per_second
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.text_count, self.text_unit)
    }
}

impl serde::Serialize for Rate {
    /// As it is written: `"10/s"`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl std::str::FromStr for Rate {
    type Err = String;

    /// Parses `10/s`, `600/m` or `30/h` (a whole number above 0, at most 100 000 a second).
    fn from_str(text: &str) -> Result<Rate, String> {
        let invalid =
            || format!("invalid rate {text:?}: write a count and a unit, like 10/s, 600/m or 30/h");
        let (count, unit) = text.trim().split_once('/').ok_or_else(invalid)?;
        let count: u64 = count.trim().parse().map_err(|_| invalid())?;
        let (seconds, unit) = match unit.trim() {
            "s" => (1.0, 's'),
            "m" => (60.0, 'm'),
            "h" => (3600.0, 'h'),
            _ => return Err(invalid()),
        };
        let per_second = count as f64 / seconds;
        if count == 0 || per_second > 100_000.0 {
            return Err(format!(
                "rate {text:?} must be above 0 and at most 100000/s"
            ));
        }
        Ok(Rate {
            per_second,
            text_count: count,
            text_unit: unit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rates() {
        let rate: Rate = "600/m".parse().unwrap();
        assert_eq!(rate.per_second(), 10.0);
        assert_eq!(rate.to_string(), "600/m");
        assert_eq!("5/s".parse::<Rate>().unwrap().per_second(), 5.0);
        for bad in ["10", "0/s", "10/d", "x/s", "1000000/s"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_byte_sizes() {
        assert_eq!(parse_byte_size("100"), Ok(100));
        assert_eq!(parse_byte_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_byte_size("16mib"), Ok(16 << 20));
        assert!(parse_byte_size("lots").is_err());
        assert!(parse_byte_size("-1").is_err());
    }

    #[test]
    fn reads_each_unit() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in ["", "s", "-1s", "1.5s", "1d", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

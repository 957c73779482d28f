//! What the `serve` flags describe: the builder they configure, with the files they name read
//! here (keys, fault rules, subscriptions) so that a bad one stops the start with its flag and
//! its name, and how a start error reads in the flags' terms.

use std::path::{Path, PathBuf};

use super::ServeArgs;
use crate::domain::auth::AuthMode;
use crate::domain::faults::FaultRule;
use crate::http::MinDataRate;
use crate::mock_server::MockServerBuilder;
use crate::service::StartError;

impl ServeArgs {
    /// The builder these flags describe, and what its start errors refer to; files named by
    /// flags (keys, fault rules) are read here, so a bad one stops the start with its name.
    pub(super) fn into_builder(self) -> Result<(MockServerBuilder, FlagNames), String> {
        let names = FlagNames {
            jwt_public_keys: self.jwt_public_keys.clone(),
            generator_flag: if self.generate > 0 {
                "--generate"
            } else {
                "--live"
            },
        };
        let builder = self.settings(MockServerBuilder::default());
        let builder = self.data(builder);
        let builder = self.trust_and_rules(builder)?;
        Ok((self.push.apply(builder)?, names))
    }

    /// The flags that each set one value: where to listen, how tokens are checked, the limits.
    fn settings(&self, builder: MockServerBuilder) -> MockServerBuilder {
        let mut builder = builder
            .listen(self.host.clone(), self.port)
            .auth(self.auth.parse().unwrap_or(AuthMode::Strict))
            .visibility_lag(self.visibility_lag)
            .admin_api(!self.no_admin)
            .max_body(self.max_body)
            .journal_cap(self.journal_cap)
            .resource_access(self.resource_access.parse().unwrap_or_default())
            .journal_max_bytes(self.journal_max_bytes)
            .page_cache(self.page_cache)
            .keep_alive_timeout(self.keep_alive_timeout)
            .header_timeout(self.header_timeout)
            .min_data_rate(MinDataRate {
                bytes_per_second: self.min_data_rate,
                grace: self.min_data_rate_grace,
            })
            .max_fault_duration(self.max_fault_duration)
            .shutdown_timeout(self.shutdown_timeout)
            .generator(self.generator.options());
        builder = self.namespaces.apply(builder);
        if let Some(connections) = self.max_connections {
            builder = builder.max_connections(connections);
        }
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        if let Some(secret) = &self.admin_token {
            builder = builder.admin_token(secret);
        }
        builder
    }

    /// The events served: the fixtures (the demo data set without any), generated ones, and
    /// the live feed. After [`settings`](Self::settings), whose generator options `--generate`
    /// takes its seed over.
    fn data(&self, mut builder: MockServerBuilder) -> MockServerBuilder {
        if self.fixtures.is_empty() {
            builder = builder.demo_data();
        }
        for path in &self.fixtures {
            builder = builder.fixture(path);
        }
        if self.generate > 0 {
            let seed = self.generator.options().seed;
            builder = builder.generate(self.generate, seed);
        }
        if let Some(rate) = self.live {
            builder = builder.live(rate);
        }
        builder
    }

    /// The keys trusted besides the built-in one, the fault rules and the grants, with the
    /// files named read here.
    fn trust_and_rules(&self, mut builder: MockServerBuilder) -> Result<MockServerBuilder, String> {
        for path in &self.jwt_public_keys {
            let pem = std::fs::read_to_string(path)
                .map_err(|e| format!("--jwt-public-key {}: {e}", path.display()))?;
            builder = builder.jwt_public_key(pem);
        }
        for rule in &self.faults {
            builder = builder.fault(rule.clone());
        }
        for grant in &self.grants {
            builder = builder.grant(grant.clone());
        }
        for path in &self.fault_files {
            for rule in read_fault_file(path)? {
                builder = builder.fault(rule);
            }
        }
        Ok(builder)
    }
}

/// What a start error refers to in the flags' terms: the builder knows key 2, a user typed a
/// file name.
pub(super) struct FlagNames {
    jwt_public_keys: Vec<PathBuf>,
    generator_flag: &'static str,
}

impl FlagNames {
    /// `error` as a person who gave these flags reads it.
    pub(super) fn describe(&self, error: &StartError) -> String {
        match error {
            StartError::PublicKey { index, reason } => {
                match index
                    .checked_sub(1)
                    .and_then(|i| self.jwt_public_keys.get(i))
                {
                    Some(path) => format!("--jwt-public-key {}: {reason}", path.display()),
                    None => error.to_string(),
                }
            }
            StartError::Generator(error) => format!("{}: {error}", self.generator_flag),
            _ => error.to_string(),
        }
    }
}

/// A `--faults` file: a JSON array of rules (objects, or strings in the rule spelling).
fn read_fault_file(path: &Path) -> Result<Vec<FaultRule>, String> {
    let place = format!("--faults {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{place}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{place}: {e} (expected an array of rules like [{{\"when\": \"nth:3\", \"what\": \"status:503\"}}])"
        )
    })
}

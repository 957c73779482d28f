//! The push face's flags: how subscriptions are validated and authorized, which webhook
//! endpoints may be reached, the retry schedules, and subscriptions and grants from files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::domain::push::authorize::SubscriptionAuthz;
use crate::domain::push::checks::WebhookHttp;
use crate::domain::push::schedule::RetryPlan;
use crate::domain::units::parse_duration;
use crate::mock_server::MockServerBuilder;
use crate::service::SubscriptionValidation;

/// Flags of subscriptions and webhook delivery.
#[derive(Debug, Clone, Args)]
pub(super) struct PushArgs {
    /// How a new subscription becomes valid: webhook (production's handshake), auto (valid at
    /// once) or manual (POST /_mock/subscriptions/{id}/validate).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_SUBSCRIPTION_VALIDATION", default_value = "webhook", value_parser = ["webhook", "auto", "manual"])]
    subscription_validation: String,

    /// Who may subscribe and receive: rules (the documented stand-ins, with --grant and
    /// --resource-access) or permit-all (to test transport only).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_SUBSCRIPTION_AUTHZ", default_value = "rules", value_parser = ["rules", "permit-all"])]
    subscription_authz: String,

    /// A JSON file of subscriptions standing from the start, each as POST /_mock/subscriptions
    /// takes it (with "consumer"). Repeatable.
    #[arg(
        long = "subscriptions",
        env = "ALTINN_EVENTS_MOCK_SUBSCRIPTIONS",
        value_name = "FILE.json",
        value_delimiter = ','
    )]
    subscription_files: Vec<PathBuf>,

    /// Plain-http webhook endpoints allowed: never (production: https only), loopback or any.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_WEBHOOK_HTTP", default_value = "loopback", value_parser = ["never", "loopback", "any"])]
    webhook_http: String,

    /// When failed event deliveries are tried again: production (12 attempts), legacy (13),
    /// none, or delays like 10s,30s,1m.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_WEBHOOK_RETRIES", default_value = "production", value_parser = RetryPlan::parse)]
    webhook_retries: RetryPlan,

    /// When a failed handshake is tried again: production (9 attempts), legacy, none, or a
    /// list of delays.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_VALIDATION_RETRIES", default_value = "production", value_parser = RetryPlan::parse)]
    validation_retries: RetryPlan,

    /// Reproduce production's subscription and authorization caches with this lifetime
    /// (production: 1h): new subscriptions miss events, deleted ones keep receiving them, until
    /// an entry expires on the server clock. 0s (the default) is off.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_SUBSCRIPTION_CACHE", default_value = "0s", value_parser = parse_duration)]
    subscription_cache: Duration,

    /// How long one webhook attempt may take (production: 45s).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_WEBHOOK_TIMEOUT", default_value = "45s", value_parser = parse_duration)]
    webhook_timeout: Duration,

    /// Production's AppsDomain: a source filter on a host ending with one of these makes an
    /// app subscription. Comma-separated; the default knows every Altinn environment.
    #[arg(
        long,
        env = "ALTINN_EVENTS_MOCK_APPS_DOMAINS",
        value_delimiter = ',',
        default_value = "apps.altinn.no,apps.tt02.altinn.no,apps.at21.altinn.cloud,apps.at22.altinn.cloud,apps.at23.altinn.cloud,apps.at24.altinn.cloud"
    )]
    apps_domains: Vec<String>,
}

impl PushArgs {
    /// `builder` with these settings; files are read here, so a bad one stops the start.
    pub(super) fn apply(self, builder: MockServerBuilder) -> Result<MockServerBuilder, String> {
        let validation = match self.subscription_validation.as_str() {
            "auto" => SubscriptionValidation::Auto,
            "manual" => SubscriptionValidation::Manual,
            _ => SubscriptionValidation::Webhook,
        };
        let http = match self.webhook_http.as_str() {
            "never" => WebhookHttp::Never,
            "any" => WebhookHttp::Any,
            _ => WebhookHttp::Loopback,
        };
        let authz: SubscriptionAuthz = self.subscription_authz.parse()?;
        let mut builder = builder
            .subscription_validation(validation)
            .subscription_authz(authz)
            .webhook_http(http)
            .webhook_timeout(self.webhook_timeout)
            .subscription_cache(self.subscription_cache)
            .apps_domains(self.apps_domains)
            .retry_plans(self.webhook_retries, self.validation_retries);
        for path in &self.subscription_files {
            for subscription in read_json::<Vec<serde_json::Value>>(path, "--subscriptions")? {
                builder = builder.subscription(subscription);
            }
        }
        Ok(builder)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, flag: &str) -> Result<T, String> {
    let place = format!("{flag} {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{place}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{place}: {e} (expected a JSON array)"))
}

//! `token`: print one token signed with the built-in test key.

use std::process::ExitCode;

use clap::Args;

use crate::domain::auth::TokenRequest;

/// Flags of `token`.
#[derive(Debug, Clone, Args)]
pub(super) struct TokenArgs {
    /// Service-owner token for this org (claim urn:altinn:org).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_ORG", conflicts_with_all = ["user_id", "app"], required_unless_present_any = ["user_id", "app", "org_number"])]
    org: Option<String>,
    /// PlatformAccessToken for app ORG/APP, as an app sends it when it publishes.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_APP", conflicts_with = "user_id")]
    app: Option<String>,
    /// The org's organisation number (default: a valid one; 991825827 for ttd); alone, a token
    /// of an organisation that is no service owner (no urn:altinn:org).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_ORG_NUMBER")]
    org_number: Option<String>,
    /// Person token for this user id (no org claim).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_USER_ID")]
    user_id: Option<u32>,
    /// The person's party id.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_PARTY_ID", requires = "user_id")]
    party_id: Option<u32>,
    /// The scope claim (service owners default to altinn:serviceowner/instances.read).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_SCOPE")]
    scope: Option<String>,
    /// Seconds until the token expires (within 100 years either way); negative gives an expired token.
    #[arg(
        long,
        env = "ALTINN_EVENTS_MOCK_EXPIRES_IN",
        default_value_t = 3600,
        allow_hyphen_values = true
    )]
    expires_in: i64,
}

/// Prints the token; exit code 2 when the flags cannot make one.
pub(super) fn run(args: TokenArgs) -> ExitCode {
    let request = TokenRequest {
        org: args.org,
        org_number: args.org_number,
        user_id: args.user_id.map(|id| id.to_string()),
        party_id: args.party_id.map(|id| id.to_string()),
        scope: args.scope,
        app: args.app,
        system_user_id: None,
        expires_in: args.expires_in,
    };
    match request.mint_with_test_key(chrono::Utc::now().timestamp()) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

//! The handle's helpers for the neighbours of the app owners' query: the party's query, the
//! generic events API, the tokens they need, and the grants that stand in for production's
//! policy decisions.

use std::fmt;

use super::MockServer;
use crate::domain::auth::{Grant, ResourceAccess, TokenRequest};

/// The scope `GET /events/api/v1/events` requires.
const SUBSCRIBE_SCOPE: &str = "altinn:events.subscribe";
/// The scope `POST /events/api/v1/events` accepts (instead of a platform access token).
const PUBLISH_SCOPE: &str = "altinn:events.publish";

impl MockServer {
    /// `GET /events/api/v1/app/party`: the app events a party (a person or an organisation
    /// acting for itself) may read.
    ///
    /// ```
    /// use altinn_events_mock::{AppEventRequest, MockServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = MockServer::start().await;
    /// let source = "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/50001/6c8f1b6e-3c38-4a6b-9a0e-2f1d7c5b9e41";
    /// server.publish_app_event(AppEventRequest::new(source, "/party/50001", "app.instance.created"))?;
    ///
    /// let url = format!("{}?from=2000-01-01Z&party=50001", server.party_events_url());
    /// let page = reqwest::Client::new()
    ///     .get(&url)
    ///     .bearer_auth(server.person_token(1337, 50001))
    ///     .send()
    ///     .await?;
    /// assert_eq!(page.status(), 200);
    /// assert!(page.headers().contains_key("next"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn party_events_url(&self) -> String {
        format!("{}/events/api/v1/app/party", self.url)
    }

    /// `GET` and `POST /events/api/v1/events`: the generic events of a resource.
    ///
    /// ```
    /// use altinn_events_mock::MockServer;
    /// use serde_json::json;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = MockServer::start().await;
    /// let client = reqwest::Client::new();
    /// let event = json!({
    ///     "specversion": "1.0", "id": "f276d3da-9b72-492b-9fee-9cf71e2826a2",
    ///     "type": "no.altinn.broker.filetransferinitialized",
    ///     "source": "https://platform.altinn.no/broker/api/v1/filetransfer/9d6f3f4e",
    ///     "resource": "urn:altinn:resource:broker-test", "subject": "/organisation/974761076",
    /// });
    /// let published = client
    ///     .post(server.generic_events_url())
    ///     .bearer_auth(server.publisher_token("digdir"))
    ///     .header("content-type", "application/cloudevents+json")
    ///     .body(event.to_string())
    ///     .send()
    ///     .await?;
    /// assert_eq!(published.status(), 200);
    ///
    /// let url = format!("{}?resource=urn:altinn:resource:broker-test&after=0", server.generic_events_url());
    /// let page = client.get(&url).bearer_auth(server.subscriber_token("digdir")).send().await?;
    /// assert_eq!(page.status(), 200);
    /// assert!(page.text().await?.contains("f276d3da"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn generic_events_url(&self) -> String {
        format!("{}/events/api/v1/events", self.url)
    }

    /// A service-owner token for `org` with scope `altinn:events.subscribe`, which
    /// `GET /events/api/v1/events` requires.
    pub fn subscriber_token(&self, org: &str) -> String {
        self.mint(&TokenRequest::service_owner_with_scope(
            org,
            SUBSCRIBE_SCOPE,
        ))
    }

    /// A service-owner token for `org` with scope `altinn:events.publish`, which lets it
    /// `POST /events/api/v1/events` without a platform access token.
    pub fn publisher_token(&self, org: &str) -> String {
        self.mint(&TokenRequest::service_owner_with_scope(org, PUBLISH_SCOPE))
    }

    /// A token of an organisation that is no service owner (`urn:altinn:orgNumber` without
    /// `urn:altinn:org`), with `scope` (space-separated) if given; panics unless
    /// `org_number` is 9 digits.
    pub fn organisation_token(&self, org_number: &str, scope: Option<&str>) -> String {
        self.mint(&TokenRequest::organisation(org_number, scope))
    }

    /// Adds a [`Grant`] (or its spelling), standing until [`MockServer::reset`]; a spelling
    /// that does not parse panics with the reason (parse it yourself to handle the error).
    pub fn grant<G>(&self, grant: G)
    where
        G: TryInto<Grant>,
        G::Error: fmt::Display,
    {
        self.service.grant([grant_or_panic(grant)]);
    }

    /// Removes every grant, those given to the builder too (a reset brings those back).
    pub fn revoke_grants(&self) {
        self.service.revoke_grants();
    }

    /// Sets whether subscribing to and publishing on resources needs a grant.
    pub fn set_resource_access(&self, mode: ResourceAccess) {
        self.service.set_resource_access(mode);
    }
}

/// A test convenience: the grant, or a panic that says why it is not one.
pub(crate) fn grant_or_panic<G>(grant: G) -> Grant
where
    G: TryInto<Grant>,
    G::Error: fmt::Display,
{
    grant
        .try_into()
        .unwrap_or_else(|error| panic!("not a grant: {error}"))
}

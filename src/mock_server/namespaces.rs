//! Namespaces of a shared server from Rust: a builder started *in* a running server gives a
//! [`MockServer`] handle on an isolated fake under `{url}/ns/{name}`, with every method of a
//! server of its own, removed when the handle drops.

use std::sync::Arc;

use super::{MockServer, MockServerBuilder};
use crate::http::{NamespaceRefusal, path_prefix};
use crate::service::StartError;

impl MockServerBuilder {
    /// Starts this fake as a namespace of the running `server` instead of a server of its
    /// own: an isolated store, party register, clock, journal, fault rules, live feed, grants
    /// and subscriptions under `{server.url()}/ns/{generated name}`, which
    /// [`MockServer::url`] of the returned handle names. The handle has every method of a
    /// server; dropping it removes the namespace. Panics with the reason if it cannot start.
    ///
    /// What the builder says about the fake (data, auth, visibility lag, fault rules, the
    /// push face, …) makes the namespace; what it says about HTTP (the listener, timeouts,
    /// body and connection limits, `admin_api`, `admin_token`, `base_url`, the namespace
    /// caps) is `server`'s. The server's [`namespace_max_events`](Self::namespace_max_events)
    /// holds; its [`namespace_ttl`](Self::namespace_ttl) does not (the handle decides).
    ///
    /// Tests that share one server, each in its own namespace:
    ///
    /// ```
    /// use altinn_events_mock::MockServer;
    /// use tokio::sync::OnceCell;
    ///
    /// static SHARED: OnceCell<MockServer> = OnceCell::const_new();
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let shared = SHARED.get_or_init(MockServer::start).await;
    /// let mine = MockServer::builder().demo_data().start_in(shared);
    /// let theirs = MockServer::builder().start_in(shared);
    /// assert!(mine.url().starts_with(&format!("{}/ns/", shared.url())));
    ///
    /// let page = reqwest::Client::new()
    ///     .get(format!("{}?after=0", mine.events_url("ttd", "apps-test")))
    ///     .bearer_auth(mine.token("ttd"))
    ///     .send()
    ///     .await?;
    /// assert_eq!(page.status(), 200);
    /// assert!(page.headers()["next"].to_str()?.starts_with(mine.url()));
    /// assert_eq!(theirs.events().len(), 0, "nothing crosses");
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_in(self, server: &MockServer) -> MockServer {
        self.try_start_in(server)
            .unwrap_or_else(|e| panic!("the namespace did not start: {e}"))
    }

    /// [`start_in`](Self::start_in), or says why it could not: bad data, or the server's
    /// caps (`max_namespaces`, `namespace_max_events`) reached.
    pub fn try_start_in(self, server: &MockServer) -> Result<MockServer, StartError> {
        let settings = self.core_settings()?;
        let namespaces = &server.namespaces;
        let (name, service) =
            namespaces
                .create(None, settings, true)
                .map_err(|refusal| match refusal {
                    NamespaceRefusal::BadSettings(error) => error,
                    other => StartError::Setting {
                        name: "namespace",
                        reason: other.to_string(),
                    },
                })?;
        Ok(MockServer {
            service,
            namespaces: Arc::clone(namespaces),
            url: format!("http://{}{}", server.address, path_prefix(&name)),
            namespace: Some(name),
            address: server.address,
            stop: None,
            thread: None,
            shutdown_timeout: server.shutdown_timeout,
        })
    }
}

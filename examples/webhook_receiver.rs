//! A webhook receiver tested end to end against the fake, as the docs' walk-through does it
//! in the shell: a real receiver on port 0 subscribes through the real API, passes the
//! handshake, receives an event, then fails — and the server clock walks production's twelve
//! attempts to the dead letter in milliseconds.
//!
//! Run it with `cargo run --example webhook_receiver`.

use std::convert::Infallible;
use std::error::Error;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use altinn_events_mock::{AppEventRequest, DeliveryKind, DeliveryState, MockServer};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// The receiver under test: it keeps every CloudEvent it accepts and answers `status`.
#[derive(Default)]
struct Receiver {
    status: AtomicU16,
    events: Mutex<Vec<Value>>,
}

impl Receiver {
    async fn handle(
        self: Arc<Self>,
        request: Request<hyper::body::Incoming>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        let body = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let status = self.status.load(Ordering::SeqCst);
        if let Ok(event) = serde_json::from_slice::<Value>(&body)
            && status == 200
        {
            self.events.lock().expect("not poisoned").push(event);
        }
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        Ok(response)
    }

    /// Serves on `127.0.0.1:0`; returns where.
    async fn serve(self: Arc<Self>) -> std::io::Result<SocketAddr> {
        self.status.store(200, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let receiver = Arc::clone(&self);
                tokio::spawn(async move {
                    let service = service_fn(move |request| Arc::clone(&receiver).handle(request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(address)
    }
}

// A multi-thread runtime: `advance_clock` blocks its own thread until the due attempts are
// made, while the receiver answers them on another.
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    let receiver = Arc::new(Receiver::default());
    let address = Arc::clone(&receiver).serve().await?;
    let server = MockServer::start().await;
    let client = reqwest::Client::new();

    // Subscribe as service owner ttd, through the same API as production.
    let answer = client
        .post(server.subscriptions_url())
        .bearer_auth(server.token("ttd"))
        .json(&json!({
            "endPoint": format!("http://{address}/events"),
            "sourceFilter": "https://ttd.apps.tt02.altinn.no/ttd/apps-test",
        }))
        .send()
        .await?;
    assert_eq!(answer.status(), 201);
    let subscription: Value = answer.json().await?;
    println!("subscribed: {subscription}");

    // The handshake: one validation event, a 200, and the subscription is valid.
    let handshake = server
        .wait_for_deliveries(1, Duration::from_secs(10))
        .await?;
    assert_eq!(handshake[0].kind, DeliveryKind::Validation);
    assert!(server.subscriptions()[0].validated);
    println!(
        "handshake: {} -> {:?}",
        handshake[0].event_id, handshake[0].status
    );

    // An event from the app reaches the receiver.
    let source = "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/50015641/a72223a3-926b-4095-a2a6-bacc10815f2d";
    let id = server.publish_app_event(AppEventRequest::new(
        source,
        "/party/50015641",
        "app.instance.created",
    ))?;
    server
        .wait_for_deliveries(2, Duration::from_secs(10))
        .await?;
    let received = receiver.events.lock().expect("not poisoned").clone();
    assert_eq!(received[0]["type"], "platform.events.validatesubscription");
    assert_eq!(received[1]["id"], id.as_str());
    println!("received event {id}");

    // The receiver goes down: the next event fails and is retried on production's schedule.
    receiver.status.store(503, Ordering::SeqCst);
    server.publish_app_event(AppEventRequest::new(
        source,
        "/party/50015641",
        "app.instance.process.completed",
    ))?;
    server
        .wait_for_deliveries(3, Duration::from_secs(10))
        .await?;
    server.advance_clock(Duration::from_secs(48 * 3600));
    let attempts: Vec<_> = server
        .deliveries()
        .into_iter()
        .filter(|d| d.kind == DeliveryKind::Event && d.status == Some(503))
        .collect();
    for attempt in &attempts {
        println!(
            "attempt {:>2} due {} -> {:?} {:?}",
            attempt.attempt, attempt.due_at, attempt.status, attempt.state
        );
    }
    assert_eq!(attempts.len(), 12, "production tries twelve times");
    assert_eq!(attempts[11].state, DeliveryState::DeadLettered);
    let span = (attempts[11].due_at - attempts[0].due_at).num_seconds();
    println!(
        "dead-lettered after 12 attempts over {} h {} min {} s of server time",
        span / 3600,
        span % 3600 / 60,
        span % 60
    );
    Ok(())
}

//! What webhook delivery costs: publishing with and without subscriptions (matching runs on
//! every stored event), and the end-to-end rate of delivery to a receiver on loopback. Run with
//! `cargo bench --bench webhooks`.

use std::net::SocketAddr;
use std::time::Duration;

use altinn_events_mock::{MockServer, SubscriptionValidation};
use serde_json::{Value, json};

fn main() {
    divan::main();
}

const EVENTS: usize = 1000;
const RESOURCE: &str = "urn:altinn:resource:app_ttd_apps-test";

fn events(batch: usize) -> Vec<Value> {
    (0..EVENTS)
        .map(|i| {
            json!({
                "specversion": "1.0",
                "id": format!("{batch}-{i}"),
                "type": "app.instance.created",
                "time": "2026-10-01T12:00:00Z",
                "source": format!("https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/{i}/00000000-0000-4000-8000-{i:012}"),
                "subject": format!("/party/{i}"),
            })
        })
        .collect()
}

/// A server with `count` validated subscriptions on `resource`, all to `endpoint`.
fn server(count: usize, resource: &str, endpoint: &str) -> MockServer {
    let server = MockServer::builder()
        .subscription_validation(SubscriptionValidation::Auto)
        .start_blocking();
    for n in 0..count {
        server
            .subscribe(json!({"consumer": "/org/ttd", "endPoint": format!("{endpoint}/{n}"), "resourceFilter": resource}))
            .expect("subscribed");
    }
    server
}

#[divan::bench(args = [0, 10])]
fn publish_1000_events_with_non_matching_subscriptions(
    bencher: divan::Bencher,
    subscriptions: usize,
) {
    let server = server(
        subscriptions,
        "urn:altinn:resource:app_skd_other",
        "http://127.0.0.1:9",
    );
    let mut batch = 0;
    bencher
        .with_inputs(|| {
            batch += 1;
            events(batch)
        })
        .bench_local_values(|events| server.publish(events).expect("valid"));
}

/// A receiver answering 200 to everything, on a runtime of its own.
fn receiver() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("address"))
                .expect("sent");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_request| async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Empty::<bytes::Bytes>::new(),
                        ))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    rx.recv().expect("the receiver starts")
}

#[divan::bench(sample_count = 10)]
fn deliver_1000_events_to_one_receiver(bencher: divan::Bencher) {
    let address = receiver();
    let server = server(1, RESOURCE, &format!("http://{address}"));
    let mut batch = 0;
    // Attempts are counted since the start (the journal itself is capped).
    let mut delivered = 0;
    bencher
        .with_inputs(|| {
            batch += 1;
            events(batch)
        })
        .bench_local_values(|events| {
            delivered += EVENTS as u64;
            server.publish(events).expect("valid");
            server
                .wait_for_deliveries_blocking(delivered, Duration::from_secs(60))
                .expect("all delivered");
        });
}

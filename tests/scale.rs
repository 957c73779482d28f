//! One test binary can run 200 servers at once: distinct ports, all answering, all stopping.

use std::collections::HashSet;

use altinn_events_mock::MockServer;

const SERVERS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_servers_start_answer_and_stop_together() {
    let servers: Vec<MockServer> =
        futures_join_all((0..SERVERS).map(|_| MockServer::start())).await;
    let ports: HashSet<&str> = servers.iter().map(|s| s.url()).collect();
    assert_eq!(ports.len(), SERVERS, "no port is shared");
    let client = reqwest::Client::new();
    for server in &servers {
        let health = client
            .get(format!("{}/_mock/health", server.url()))
            .send()
            .await
            .expect("answers");
        assert_eq!(health.status(), 200);
    }
    let addrs: Vec<std::net::SocketAddr> = servers.iter().map(MockServer::address).collect();
    drop(servers);
    for addr in addrs {
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "{addr} still open"
        );
    }
}

/// Runs the futures concurrently on the test's runtime and collects their outputs in order.
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}

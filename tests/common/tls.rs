//! A throwaway certificate authority for https receivers: made in memory by each test, so
//! nothing checked in expires or leaks, and trusted only by a process told so through
//! `SSL_CERT_FILE` (which rustls-native-certs reads in place of the system's roots).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A CA and a leaf it signed for `localhost` and `127.0.0.1`.
pub(crate) struct Authority {
    ca_pem: String,
    acceptor: TlsAcceptor,
}

impl Authority {
    /// A fresh CA (ECDSA P-256, by ring) and its `localhost` leaf.
    pub(crate) fn new() -> Authority {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::default();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "altinn-events-mock test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_pem = ca.self_signed(&ca_key).expect("CA certificate").pem();
        let issuer = Issuer::new(ca, ca_key);

        let leaf_key = KeyPair::generate().expect("leaf key");
        let mut leaf = CertificateParams::new(["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("valid names");
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_der = leaf
            .signed_by(&leaf_key, &issuer)
            .expect("leaf certificate")
            .der()
            .clone();

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        Authority {
            ca_pem,
            acceptor: acceptor(leaf_der, key),
        }
    }

    /// What a receiver presenting the leaf accepts connections with.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// The CA certificate in a PEM file of its own, for `SSL_CERT_FILE`; removed on drop.
    pub(crate) fn ca_file(&self) -> CaFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        // One name per process and per call: parallel tests and runs never share a file.
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "test-ca-{}-{}.pem",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, &self.ca_pem).expect("the CA file is written");
        CaFile { path }
    }
}

/// A CA certificate on disk; deleted when dropped.
pub(crate) struct CaFile {
    path: PathBuf,
}

impl CaFile {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A server config with ring's provider named, so it never depends on which providers the
/// build happens to enable.
fn acceptor(leaf: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> TlsAcceptor {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf], key)
    .expect("the leaf and its key match");
    TlsAcceptor::from(Arc::new(config))
}

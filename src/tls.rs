//! TLS for the Kafka listener (Kafka's SSL and SASL_SSL security protocols).
//!
//! `tls_cert` (the chain, leaf first) and `tls_key` are PEM files, as Kafka's
//! `ssl.keystore.type=PEM` takes them; `tls_client_ca` turns on mutual TLS with
//! every client required to present a certificate that CA signed (Kafka:
//! `ssl.client.auth=required`). rustls with the ring provider, TLS 1.2 and 1.3.
//!
//! Not done: reloading certificates without a restart, and principals taken from
//! client certificates (no ACLs exist to use them).

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} holds no PEM certificate", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)", path.display())]
    NoKey { path: PathBuf },
    #[error("{}: {source}", path.display())]
    BadCa { path: PathBuf, source: rustls::Error },
    #[error("client CA {}: {reason}", path.display())]
    Verifier { path: PathBuf, reason: String },
    #[error("certificate {} with key {}: {source}", cert.display(), key.display())]
    Config { cert: PathBuf, key: PathBuf, source: rustls::Error },
}

/// Every certificate in a PEM file, in file order.
fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let read = |source| Error::Read { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(read)?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file)).collect::<Result<Vec<_>, _>>().map_err(read)?;
    if certs.is_empty() {
        return Err(Error::NoCertificate { path: path.to_owned() });
    }
    Ok(certs)
}

/// The first private key in a PEM file.
fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    rustls_pemfile::private_key(&mut BufReader::new(file))
        .map_err(|source| Error::Read { path: path.to_owned(), source })?
        .ok_or_else(|| Error::NoKey { path: path.to_owned() })
}

/// A TLS setting whose file cannot serve, and why.
pub type Refusal = (&'static str, Box<Error>);

/// Reads each PEM file once and builds the listener's acceptor: certificate
/// chain, key (checked to match the leaf) and, with `client_ca`, a verifier that
/// requires client certificates. A failure names the setting whose file is at
/// fault (`tls_cert`, `tls_key`, `tls_client_ca`, or `tls_cert/tls_key` for a
/// pair that does not go together).
pub fn acceptor(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<TlsAcceptor, Refusal> {
    let refused = |setting| move |error| -> Refusal { (setting, Box::new(error)) };
    let chain = load_certs(cert).map_err(refused("tls_cert"))?;
    let private_key = load_key(key).map_err(refused("tls_key"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config_error =
        |source| refused("tls_cert/tls_key")(Error::Config { cert: cert.to_owned(), key: key.to_owned(), source });
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(config_error)?;
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in load_certs(ca).map_err(refused("tls_client_ca"))? {
                roots
                    .add(cert)
                    .map_err(|source| refused("tls_client_ca")(Error::BadCa { path: ca.to_owned(), source }))?;
            }
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().map_err(|e| {
                    refused("tls_client_ca")(Error::Verifier { path: ca.to_owned(), reason: e.to_string() })
                })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder.with_single_cert(chain, private_key).map_err(config_error)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

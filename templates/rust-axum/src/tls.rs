//! TLS trust for the service's clients: the CA bundle a `*_CA_FILE` variable names, or the
//! system's roots.
//!
//! Every client verifies its server's certificate and host name; nothing here turns that off.

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

/// A PEM file of CA certificates, read and checked at start-up.
#[derive(Clone, PartialEq, Eq)]
pub struct CaBundle {
    path: PathBuf,
    pem: Vec<u8>,
}

impl CaBundle {
    /// The bundle at `path`: `None` unless the file can be read and holds at least one
    /// certificate, every one of them well-formed.
    #[must_use]
    pub fn read(path: &str) -> Option<Self> {
        let pem = std::fs::read(path).ok()?;
        let bundle = Self {
            path: path.into(),
            pem,
        };
        (!bundle.certificates()?.is_empty()).then_some(bundle)
    }

    /// Where the bundle was read from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bundle's text, as read.
    #[must_use]
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }

    fn certificates(&self) -> Option<Vec<CertificateDer<'static>>> {
        CertificateDer::pem_slice_iter(&self.pem)
            .collect::<Result<_, _>>()
            .ok()
    }
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_tuple("CaBundle").field(&self.path).finish()
    }
}

/// Makes ring the process's rustls provider, for the clients that build their TLS settings
/// from rustls's defaults; a no-op once one is installed.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Client settings that trust `ca` only, or the system's roots without one.
///
/// # Panics
///
/// Never: ring supports every protocol version rustls enables by default.
#[must_use]
pub fn client_config(ca: Option<&CaBundle>) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    if let Some(ca) = ca {
        roots.add_parsable_certificates(ca.certificates().unwrap_or_default());
    } else {
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::warn!(%error, "cannot read a system root certificate");
        }
        roots.add_parsable_certificates(native.certs);
    }
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports rustls's default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Whether rustls's refusal is among `error`'s causes, itself or inside an I/O error: that is how
/// a server certificate the configured CA did not sign comes back from a client over rustls.
#[must_use]
pub fn refused_by_tls(error: &(dyn Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(mut current) = cause {
        // The redis crate keeps its cause behind an `Arc`, which hides the cause's type.
        if let Some(shared) = current.downcast_ref::<Arc<dyn Error + Send + Sync>>() {
            current = &**shared;
        }
        let wrapped = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref);
        if current.is::<rustls::Error>()
            || matches!(wrapped, Some(inner) if inner.is::<rustls::Error>())
        {
            return true;
        }
        cause = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that keeps its cause behind an `Arc`, as the redis crate does.
    #[derive(Debug)]
    struct Shared(Arc<dyn Error + Send + Sync>);

    impl fmt::Display for Shared {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("shared")
        }
    }

    impl Error for Shared {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn finds_rustls_refusal_inside_io_errors_and_behind_arcs() {
        let unknown_issuer = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            )
        };
        assert!(refused_by_tls(&unknown_issuer()));
        assert!(refused_by_tls(&Shared(Arc::new(unknown_issuer()))));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!refused_by_tls(&Shared(Arc::new(refused))));
    }

    #[test]
    fn refuses_a_missing_file_and_one_without_certificates() {
        assert_eq!(CaBundle::read("/nonexistent/ca.pem"), None);
        let empty =
            std::env::temp_dir().join(format!("no-certificates-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        assert_eq!(CaBundle::read(empty.to_str().unwrap()), None);
        std::fs::remove_file(empty).unwrap();
    }
}

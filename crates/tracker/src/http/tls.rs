//! TLS for `https://` trackers: the rustls client configuration that
//! [`TrackerSettings`] asks for (Mozilla's roots plus extra ones, or no certificate checks at all
//! under `validate_https_trackers = false`), the handshake, and the mapping of rustls's errors
//! to [`TrackerError::Tls`].
//!
//! rustls runs on the `ring` provider, chosen explicitly so that another crate in the build
//! enabling aws-lc-rs cannot make the choice ambiguous.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::error::{TlsFailure, TrackerError};
use crate::settings::TrackerSettings;

/// A TLS connector for `host` built from the settings, before any connection is made, so that
/// bad extra roots fail the request without sending anything.
pub(crate) fn connector(
    host: &str,
    settings: &TrackerSettings,
) -> Result<TlsConnector, TrackerError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| handshake_error(host, &error))?;
    let config = if settings.validate_https_trackers {
        builder
            .with_root_certificates(root_store(&settings.extra_root_certificates_pem)?)
            .with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate {
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth()
    };
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Mozilla's roots (webpki-roots) and every certificate in `extra_pem`.
fn root_store(extra_pem: &[String]) -> Result<RootCertStore, TrackerError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in extra_pem {
        let mut added = 0;
        for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let certificate = certificate.map_err(|error| invalid_root(&error))?;
            roots
                .add(certificate)
                .map_err(|error| invalid_root(&error))?;
            added += 1;
        }
        if added == 0 {
            return Err(invalid_root(&"no CERTIFICATE block in the PEM text"));
        }
    }
    Ok(roots)
}

/// Runs the TLS handshake on `stream` for `host` (sent as SNI when it is a name; an IP literal
/// is checked against the certificate's IP addresses). The handshake is a wait for the server's
/// bytes, so `tracker_receive_timeout` bounds it.
pub(crate) async fn handshake(
    connector: &TlsConnector,
    stream: TcpStream,
    host: &str,
    settings: &TrackerSettings,
) -> Result<TlsStream<TcpStream>, TrackerError> {
    let server_name =
        ServerName::try_from(host.to_owned()).map_err(|_| TrackerError::InvalidHostname)?;
    timeout(
        settings.tracker_receive_timeout,
        connector.connect(server_name, stream),
    )
    .await
    .map_err(|_| TrackerError::TimedOut)?
    .map_err(|error| handshake_io_error(host, &error))
}

/// A failed handshake as a [`TrackerError::Tls`]: a certificate failure when rustls refused the
/// certificate, a handshake failure otherwise (alerts, bytes that are not TLS, early EOF).
fn handshake_io_error(host: &str, error: &std::io::Error) -> TrackerError {
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls_error) => handshake_error(host, tls_error),
        None => TrackerError::Tls {
            failure: TlsFailure::Handshake,
            host: host.to_owned(),
            detail: error.to_string(),
        },
    }
}

fn handshake_error(host: &str, error: &rustls::Error) -> TrackerError {
    let failure = match error {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            TlsFailure::Certificate
        }
        _ => TlsFailure::Handshake,
    };
    TrackerError::Tls {
        failure,
        host: host.to_owned(),
        detail: error.to_string(),
    }
}

fn invalid_root(error: &dyn std::fmt::Display) -> TrackerError {
    TrackerError::Tls {
        failure: TlsFailure::InvalidRootCertificate,
        host: String::new(),
        detail: error.to_string(),
    }
}

/// The verifier for `validate_https_trackers = false`: any certificate chain and name is
/// accepted, but the handshake signatures are still checked against the certificate the server
/// sent, so the server must hold its key.
#[derive(Debug)]
struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, certificate, signature, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_extra_roots_are_refused() {
        for pem in [
            "",
            "not pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ] {
            let settings = TrackerSettings {
                extra_root_certificates_pem: vec![pem.to_owned()],
                ..TrackerSettings::default()
            };
            let error = connector("t.example", &settings).err();
            assert!(
                matches!(
                    error,
                    Some(TrackerError::Tls {
                        failure: TlsFailure::InvalidRootCertificate,
                        ..
                    })
                ),
                "{pem:?}: {error:?}"
            );
        }
        let error = root_store(&["x".to_owned()]).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("invalid root certificate in extra_root_certificates_pem: no CERTIFICATE block in the PEM text")
        );
    }

    #[test]
    fn default_roots_and_no_validation_build() {
        assert!(connector("t.example", &TrackerSettings::default()).is_ok());
        let unchecked = TrackerSettings {
            validate_https_trackers: false,
            extra_root_certificates_pem: vec!["ignored when nothing is validated".to_owned()],
            ..TrackerSettings::default()
        };
        assert!(connector("t.example", &unchecked).is_ok());
    }
}

// TLS material for kube-sim: a self-signed CA and a serving certificate for 127.0.0.1 and
// localhost, generated with the OpenSSL API, or loaded from PEM files.
#pragma once

#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace kubesim::http {

/// Validity of generated certificates.
inline constexpr long kCertValidityDays = 365;

struct TlsMaterial {
  std::string ca_pem;    ///< CA certificate (goes into the kubeconfig)
  std::string cert_pem;  ///< serving certificate chain
  std::string key_pem;   ///< serving private key
};

/// Generates a CA ("kube-sim-ca") and a serving certificate signed by it with SANs
/// IP:127.0.0.1, DNS:localhost. Returns false with `error` on an OpenSSL failure.
bool generate_tls(TlsMaterial* out, std::string* error);

/// Reads cert/key/CA PEM files. `ca_file` may be empty (then the cert itself is the CA).
bool load_tls(const std::string& cert_file, const std::string& key_file,
              const std::string& ca_file, TlsMaterial* out, std::string* error);

/// A server SSL_CTX (TLS 1.2+, HTTP/1.1 ALPN) for the material; null with `error` on failure.
/// The caller frees it with SSL_CTX_free.
SSL_CTX* make_server_context(const TlsMaterial& material, std::string* error);

}  // namespace kubesim::http

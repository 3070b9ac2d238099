// OpenSSL helpers of the transport (internal to kube/http): trust stores and client
// certificates from PEM text, validation of TLS material at configuration time, and a
// diagnostic handshake that explains why cpprest's handshake failed.
#pragma once

#include <string>

#include <openssl/ssl.h>

#include "operator/kube/http/transport.h"

namespace ferry::kube::http {

// Checks that the CA bundle holds at least one certificate and that the client certificate
// and key parse and belong together. kConfig errors name the field.
Status ValidateTls(const TlsOptions& tls);

// Applies `tls` to a context cpprest is about to use: replaces the trust store with one holding
// only the configured CA (dropping the system paths cpprest loaded), and installs the client
// certificate chain and key. Returns false if OpenSSL rejected something (already validated,
// so only on allocation failure).
bool ConfigureContext(SSL_CTX* ctx, const TlsOptions& tls);

// Repeats the TLS handshake with plain OpenSSL to explain a failure, e.g.
// "certificate verify failed: unable to get local issuer certificate" or
// "the server certificate is not valid for \"wrong.example\"". `name` is the name verified.
// A kNetwork error; reason kReasonCertificateInvalid when the server's certificate was refused
// (not worth retrying).
Error DiagnoseHandshake(const std::string& host, int port, const std::string& name,
                              const TlsOptions& tls);

}  // namespace ferry::kube::http

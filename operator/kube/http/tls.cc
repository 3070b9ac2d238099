#include "operator/kube/http/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace ferry::kube::http {
namespace {

// Bound on the diagnostic handshake, which runs only after a failure.
constexpr int kDiagnoseTimeoutMs = 5000;

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct KeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct CtxFree { void operator()(SSL_CTX* c) const { SSL_CTX_free(c); } };
struct SslFree { void operator()(SSL* s) const { SSL_free(s); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

BioPtr MemBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::vector<X509Ptr> ReadCerts(const std::string& pem) {
  std::vector<X509Ptr> out;
  auto bio = MemBio(pem);
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
  ERR_clear_error();  // the loop ends on a "no start line" error
  return out;
}

KeyPtr ReadKey(const std::string& pem) {
  auto bio = MemBio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return key;
}

std::string LastSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

int ConnectWithTimeout(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, kDiagnoseTimeoutMs) != 1 ||
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        ::close(fd);
        fd = -1;
      }
    }
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{kDiagnoseTimeoutMs / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  return fd;
}

// Blocks SIGPIPE on this thread while OpenSSL writes to a plain socket the server may have
// closed, and discards one raised meanwhile, so the diagnosis cannot kill the process.
class ScopedNoSigpipe {
 public:
  ScopedNoSigpipe() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~ScopedNoSigpipe() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    timespec zero{0, 0};
    while (sigtimedwait(&set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
};

bool IsIp(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

}  // namespace

Status ValidateTls(const TlsOptions& tls) {
  if (!tls.ca_pem.empty() && ReadCerts(tls.ca_pem).empty()) {
    return Error::Config("certificate-authority holds no PEM certificate "
                         "(expected -----BEGIN CERTIFICATE-----)");
  }
  if (tls.client_cert_pem.empty() != tls.client_key_pem.empty()) {
    return Error::Config("client-certificate and client-key must be given together");
  }
  if (tls.client_cert_pem.empty()) return {};
  auto certs = ReadCerts(tls.client_cert_pem);
  if (certs.empty()) return Error::Config("client-certificate holds no PEM certificate");
  auto key = ReadKey(tls.client_key_pem);
  if (!key) return Error::Config("client-key holds no PEM private key");
  if (X509_check_private_key(certs.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return Error::Config("client-key does not match client-certificate");
  }
  return {};
}

bool ConfigureContext(SSL_CTX* ctx, const TlsOptions& tls) {
  if (!tls.ca_pem.empty()) {
    X509_STORE* store = X509_STORE_new();
    if (!store) return false;
    for (auto& cert : ReadCerts(tls.ca_pem)) X509_STORE_add_cert(store, cert.get());
    SSL_CTX_set_cert_store(ctx, store);  // takes ownership, frees the system-paths store
  }
  if (!tls.client_cert_pem.empty()) {
    auto certs = ReadCerts(tls.client_cert_pem);
    auto key = ReadKey(tls.client_key_pem);
    if (certs.empty() || !key) return false;
    if (SSL_CTX_use_certificate(ctx, certs.front().get()) != 1) return false;
    for (size_t i = 1; i < certs.size(); ++i) {
      if (SSL_CTX_add_extra_chain_cert(ctx, certs[i].get()) != 1) return false;
      certs[i].release();  // owned by the context now
    }
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) return false;
  }
  return true;
}

Error DiagnoseHandshake(const std::string& host, int port, const std::string& name,
                        const TlsOptions& tls) {
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error::Network("TLS handshake failed");
  SSL_CTX_set_default_verify_paths(ctx.get());
  ConfigureContext(ctx.get(), tls);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  ScopedNoSigpipe no_sigpipe;
  int fd = ConnectWithTimeout(host, port);
  if (fd < 0) {
    return Error::Network("TLS handshake failed (the server could not be reached again to diagnose)");
  }
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  if (!IsIp(name)) SSL_set_tlsext_host_name(ssl.get(), name.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (IsIp(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  int rc = SSL_connect(ssl.get());
  long verify = SSL_get_verify_result(ssl.get());
  std::string msg;
  bool refused = true;
  const std::string trust = tls.ca_pem.empty() ? "the system trust store"
                                               : "the configured certificate-authority";
  if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    msg = "TLS: the server certificate is not valid for \"" + name +
          "\" (no matching DNS or IP subjectAltName; set tls-server-name to a name it has)";
  } else if (verify != X509_V_OK) {
    msg = "TLS: certificate verify failed: " +
          std::string(X509_verify_cert_error_string(verify)) + " (verified against " + trust +
          ")";
  } else if (rc != 1) {
    msg = "TLS handshake failed: " + LastSslError();
    refused = false;
  } else {
    msg = "TLS handshake failed (a diagnostic handshake succeeded; transient failure?)";
    refused = false;
  }
  SSL_shutdown(ssl.get());
  ::close(fd);
  Error e = Error::Network(msg + " [" + host + ":" + std::to_string(port) + "]");
  if (refused) e.reason = std::string(kReasonCertificateInvalid);
  return e;
}

}  // namespace ferry::kube::http

// The HTTP transport interface of the Kubernetes client: request in, response out, and a
// streaming variant for watches. Free of cpprestsdk so that only http/*.cc pay for its headers;
// NewTransport() (cpprest_transport.cc) is the implementation over cpprestsdk's asio client.
//
// TLS rules (the apiserver's, as client-go applies them):
//  - The server certificate is verified against `ca_pem` ONLY when one is given: the system
//    store is dropped, so a certificate signed by some other (even public) CA is refused.
//    With no CA the system store is used. `insecure` turns verification off.
//  - The name checked (DNS or IP SAN) is `server_name` if set, else the URL host; it is also
//    sent as SNI. cpprest takes both from the Host header, so a server_name also becomes the
//    Host header (harmless: the apiserver ignores Host).
//  - A client certificate and key (PEM) are presented when given.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operator/kube/errors.h"

namespace ferry::kube::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; "" if absent.
std::string_view FindHeader(const Headers& headers, std::string_view name);

struct TlsOptions {
  std::string ca_pem;
  bool insecure = false;
  std::string server_name;
  std::string client_cert_pem;
  std::string client_key_pem;
};

// Inactivity timeout of one request when the caller sets none.
inline constexpr std::chrono::milliseconds kDefaultTransportTimeout{30'000};

struct TransportOptions {
  std::string server;  // https://host:port[/prefix]
  std::string proxy_url;  // http://host:port of a CONNECT proxy; "" = direct
  TlsOptions tls;
  std::string user_agent;
  std::chrono::milliseconds timeout = kDefaultTransportTimeout;  // per request, see Send()
};

struct Request {
  std::string method;          // GET, POST, PUT, PATCH, DELETE
  std::string path_and_query;  // "/api/v1/namespaces/x/pods?limit=5", already escaped
  Headers headers;             // Authorization, Content-Type, Accept, ...
  std::string body;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

// Body of a streaming response, read as it arrives.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Blocks until at least one byte is available, then copies up to `n` bytes. Returns 0 at the
  // normal end of the body; kNetwork if the connection broke; kCancelled after Cancel().
  virtual Result<std::size_t> Read(char* buf, std::size_t n) = 0;
  // Aborts the request from any thread; a blocked Read returns kCancelled promptly.
  virtual void Cancel() = 0;
};

struct StreamResponse {
  int status = 0;
  Headers headers;
  std::unique_ptr<BodyStream> body;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // One request over the keep-alive pool. Fails with kTimeout when no progress is made for the
  // configured timeout, kNetwork for connection and TLS failures (with the reason, e.g.
  // "certificate verify failed"), never for an HTTP status.
  virtual Result<Response> Send(const Request& req) = 0;
  // A request whose body is read incrementally. `idle_timeout` bounds the wait for the next
  // byte (set it above the watch's timeoutSeconds).
  virtual Result<StreamResponse> Stream(const Request& req,
                                        std::chrono::milliseconds idle_timeout) = 0;
  // Replaces the client certificate (exec plugins may rotate it); later requests use it.
  virtual Status SetClientCertificate(std::string cert_pem, std::string key_pem) = 0;
  // The host:port requests go to (for RequestInfo).
  virtual std::string Host() const = 0;
};

// cpprestsdk threads: its asio pool is shared by every client of the process. The default
// (40 threads) is far more than an operator's handful of concurrent requests and watches
// needs; asio threads only run I/O completions, so this is enough for hundreds of watches.
inline constexpr std::size_t kHttpThreads = 8;

// Validates the TLS material (parses the PEM blocks) and builds the cpprest transport.
// Sizes cpprest's thread pool to kHttpThreads on first use.
Result<std::unique_ptr<Transport>> NewTransport(const TransportOptions& options);

}  // namespace ferry::kube::http

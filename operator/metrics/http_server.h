// HttpServer: the operator's small HTTP endpoints (/metrics on the metrics address; /healthz and
// /readyz on the health-probe address), on civetweb (the server prometheus-cpp's Exposer is built
// on). GET only; each handler returns a complete response. Binding port 0 asks the OS for a free
// port (tests); port() reports it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "operator/base/result.h"

class CivetServer;

namespace ferry::metrics {

inline constexpr const char* kDefaultMetricsBindAddress = ":8080";
inline constexpr const char* kDefaultHealthProbeBindAddress = ":8081";
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse()>;

struct BindAddress {
  std::string host;  // "" = every interface
  int port = 0;
  friend bool operator==(const BindAddress&, const BindAddress&) = default;
};

// Parses controller-runtime style bind addresses: ":8080", "127.0.0.1:0", "[::1]:9090".
// (The manager treats "0" as "serve nothing" before calling this.) Errors name the value and
// the fix.
Result<BindAddress> ParseBindAddress(std::string_view address);

class HttpServer {
 public:
  // Starts serving `handlers` (exact path -> handler) on `address`.
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& address,
                                                   std::map<std::string, HttpHandler> handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

  struct Impl;

 private:
  HttpServer() = default;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace ferry::metrics

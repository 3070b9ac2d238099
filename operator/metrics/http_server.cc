#include "operator/metrics/http_server.h"

#include <CivetServer.h>

#include <charconv>
#include <vector>

namespace ferry::metrics {
namespace {

class Route final : public CivetHandler {
 public:
  explicit Route(HttpHandler handler) : handler_(std::move(handler)) {}
  bool handleGet(CivetServer*, mg_connection* conn) override {
    HttpResponse r;
    try {
      r = handler_();
    } catch (const std::exception& e) {
      r = {500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
    }
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
              r.status, mg_get_response_code_text(conn, r.status), r.content_type.c_str(),
              r.body.size());
    mg_write(conn, r.body.data(), r.body.size());
    return true;
  }

 private:
  HttpHandler handler_;
};

}  // namespace

struct HttpServer::Impl {
  std::unique_ptr<CivetServer> server;
  std::vector<std::pair<std::string, std::unique_ptr<Route>>> routes;
};

Result<BindAddress> ParseBindAddress(std::string_view address) {
  std::string fix = " (expected host:port such as \":8080\" or \"127.0.0.1:8080\")";
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return Error{"bind address \"" + std::string(address) + "\" has no port" + fix};
  }
  std::string_view host = address.substr(0, colon);
  std::string_view port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Error{"bind address \"" + std::string(address) + "\": put IPv6 hosts in brackets" + fix};
  }
  int value = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value < 0 ||
      value > 65535) {
    return Error{"bind address \"" + std::string(address) + "\": port must be 0-65535" + fix};
  }
  return BindAddress{std::string(host), value};
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address,
                                                      std::map<std::string, HttpHandler> handlers) {
  auto bind = ParseBindAddress(address);
  if (!bind) return bind.error();
  std::string host = bind->host.find(':') != std::string::npos ? "[" + bind->host + "]" : bind->host;
  std::string listening = (host.empty() ? "" : host + ":") + std::to_string(bind->port);
  std::vector<std::string> options = {"listening_ports", listening, "num_threads", "4",
                                      "request_timeout_ms", "10000"};
  std::unique_ptr<HttpServer> out(new HttpServer());
  out->impl_ = std::make_unique<Impl>();
  try {
    out->impl_->server = std::make_unique<CivetServer>(options);
  } catch (const CivetException& e) {
    return Error{"cannot serve HTTP on \"" + address + "\": " + e.what() +
                 " (is the port in use? choose another with the bind-address flag)"};
  }
  for (auto& [path, handler] : handlers) {
    auto route = std::make_unique<Route>(std::move(handler));
    out->impl_->server->addHandler(path + "$", route.get());
    out->impl_->routes.emplace_back(path, std::move(route));
  }
  auto ports = out->impl_->server->getListeningPorts();
  out->port_ = ports.empty() ? bind->port : ports.front();
  return out;
}

HttpServer::~HttpServer() {
  if (impl_ && impl_->server) impl_->server->close();
}

}  // namespace ferry::metrics

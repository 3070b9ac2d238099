#include "operator/controllers/pipeline/webhook/server.h"

#include <CivetServer.h>

#include <vector>

namespace ferry::pipeline::webhook {

namespace {

constexpr char kNumThreads[] = "4";
constexpr char kRequestTimeoutMs[] = "10000";
constexpr size_t kReadChunk = 16384;

void Reply(mg_connection* conn, const Response& r) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            r.status, mg_get_response_code_text(conn, r.status), r.body.size());
  mg_write(conn, r.body.data(), r.body.size());
}

// The body, or nullopt when it exceeds `limit` (then only limit + 1 bytes were read).
std::optional<std::string> ReadBody(mg_connection* conn, size_t limit) {
  std::string body;
  char buf[kReadChunk];
  int n = 0;
  while ((n = mg_read(conn, buf, sizeof buf)) > 0) {
    body.append(buf, static_cast<size_t>(n));
    if (body.size() > limit) return std::nullopt;
  }
  return body;
}

class Route final : public CivetHandler {
 public:
  explicit Route(Receiver& receiver) : receiver_(receiver) {}
  bool handleGet(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handlePost(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handlePut(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handleDelete(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handlePatch(CivetServer*, mg_connection* c) override { return Serve(c); }

 private:
  bool Serve(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    Request req;
    req.method = info->request_method ? info->request_method : "";
    req.path = info->local_uri ? info->local_uri : "";
    req.remoteAddress = info->remote_addr;
    for (int i = 0; i < info->num_headers; ++i) {
      req.headers[info->http_headers[i].name] = info->http_headers[i].value;
    }
    size_t limit = receiver_.limits().maxBodyBytes;
    if (info->content_length > static_cast<long long>(limit)) {
      req.body.assign(limit + 1, '\0');  // Decide answers 413 without the rest being read
    } else if (auto body = ReadBody(conn, limit)) {
      req.body = std::move(*body);
    } else {
      req.body.assign(limit + 1, '\0');
    }
    Response r;
    try {
      r = receiver_.Handle(req);
    } catch (const std::exception& e) {
      r = {500, std::string("internal error: ") + e.what() + "\n"};
    }
    Reply(conn, r);
    return true;
  }

  Receiver& receiver_;
};

// "host:port" -> civetweb's listening_ports value ("127.0.0.1:0", "9443", "[::1]:80").
Result<std::string> ListeningPorts(const std::string& address) {
  auto colon = address.rfind(':');
  std::string port = colon == std::string::npos ? "" : address.substr(colon + 1);
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoi(port) > 65535) {
    return Error{"webhook bind address \"" + address +
                 "\": expected host:port such as \":8443\" or \"127.0.0.1:8443\""};
  }
  std::string host = address.substr(0, colon);
  return host.empty() ? port : host + ":" + port;
}

}  // namespace

struct Server::Impl {
  std::unique_ptr<Route> route;
  std::unique_ptr<CivetServer> server;
};

Result<std::unique_ptr<Server>> Server::Start(const std::string& bind_address, Receiver& receiver) {
  auto ports = ListeningPorts(bind_address);
  if (!ports.ok()) return ports.error();
  std::vector<std::string> options = {"listening_ports", ports.value(),        "num_threads",
                                      kNumThreads,       "request_timeout_ms", kRequestTimeoutMs};
  std::unique_ptr<Server> out(new Server());
  out->impl_ = std::make_unique<Impl>();
  out->impl_->route = std::make_unique<Route>(receiver);
  try {
    out->impl_->server = std::make_unique<CivetServer>(options);
  } catch (const CivetException& e) {
    return Error{"cannot serve webhooks on \"" + bind_address + "\": " + e.what() +
                 " (is the port in use? choose another with --webhook-bind-address)"};
  }
  out->impl_->server->addHandler("/", out->impl_->route.get());
  auto listening = out->impl_->server->getListeningPorts();
  out->port_ = listening.empty() ? 0 : listening.front();
  return out;
}

Server::~Server() {
  if (impl_ && impl_->server) impl_->server->close();
}

}  // namespace ferry::pipeline::webhook

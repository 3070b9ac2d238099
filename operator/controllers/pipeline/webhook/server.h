// The webhook receiver's HTTP listener (--webhook-bind-address): adapts HTTP requests to
// Receiver::Handle. Reads at most the receiver's body limit (a larger Content-Length is answered
// 413 unread). Binding port 0 asks the OS for a free port (tests); port() reports it.
// Serve it behind TLS (an Ingress or a Service with a TLS-terminating proxy): senders sign the
// body, but only TLS hides the payload.
#pragma once

#include <memory>
#include <string>

#include "operator/base/result.h"
#include "operator/controllers/pipeline/webhook/receiver.h"

namespace ferry::pipeline::webhook {

inline constexpr char kDefaultWebhookBindAddress[] = ":8443";

class Server {
 public:
  // Serves `receiver` (which must outlive the server) on "host:port" (":8443", "127.0.0.1:0").
  static Result<std::unique_ptr<Server>> Start(const std::string& bind_address, Receiver& receiver);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }

  struct Impl;

 private:
  Server() = default;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace ferry::pipeline::webhook

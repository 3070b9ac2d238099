// Shared fixture of the client tests: certificates for this test and helpers to start a
// server and build a Config that trusts it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "operator/kube/client.h"
#include "tests/kube/test_server.h"

namespace ferry::kube::testing {

// A custom resource the client knows nothing of (the client is resource-agnostic).
inline const ResourceRef kReleases{"ferry.dev", "v1alpha1", "releases", "Release", true};

class ClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<TestServer> Serve(Handler handler, bool require_client_cert = false,
                                    bool other_ca_cert = false, bool optional_client_cert = false) {
    ServerTls tls;
    tls.cert_pem_path = dir_.File(other_ca_cert ? "other-server.crt" : "server.crt");
    tls.key_pem_path = dir_.File(other_ca_cert ? "other-server.key" : "server.key");
    if (require_client_cert || optional_client_cert) tls.client_ca_path = pki_.ca_crt_path;
    tls.client_cert_optional = optional_client_cert;
    return std::make_unique<TestServer>(tls, std::move(handler));
  }

  Config ConfigFor(const TestServer& server, const std::string& host = "127.0.0.1") {
    Config cfg;
    cfg.server = server.Url(host);
    cfg.ca_pem = pki_.ca_crt;
    cfg.bearer_token = "test-token";
    cfg.source = "test";
    return cfg;
  }

  std::unique_ptr<Client> NewClient(Config cfg, ClientOptions opts = {}) {
    auto client = Client::New(std::move(cfg), std::move(opts));
    EXPECT_TRUE(client.ok()) << client.error().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // Polls `cond` for up to `timeout` (real time): for readiness, never for timing.
  static bool Eventually(const std::function<bool()>& cond,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return cond();
  }

  TempDir dir_;
  Pki pki_{dir_};
};

// A handler answering every request with `status` and `body`.
inline Handler Reply(int status, std::string body) {
  return [status, body](const HttpRequest&, ResponseWriter& w) { w.Send(status, body); };
}

}  // namespace ferry::kube::testing

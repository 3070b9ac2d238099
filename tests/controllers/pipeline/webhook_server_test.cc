// The webhook listener over a real socket, driven by the curl command line.
#include "operator/controllers/pipeline/webhook/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "tests/controllers/pipeline/webhook_fixtures.h"

namespace ferry::pipeline::webhook {
namespace {

constexpr char kSecret[] = "s3cr3t";

struct CurlResult {
  int status = 0;
  std::string body;
};

// POSTs `body` (from a file) with `headers` to the server; "-X METHOD" via `method`.
CurlResult Curl(int port, const std::string& path, const std::string& body,
                const std::vector<std::string>& headers, const std::string& method = "POST") {
  std::string file =
      ::testing::TempDir() + "ferry_webhook_server_body_" + std::to_string(getpid()) + ".bin";
  std::ofstream(file, std::ios::binary) << body;
  std::string cmd = "curl -sS --max-time 20 -o - -w '\\n%{http_code}' -X " + method +
                    " -H 'Expect:' --data-binary @'" + file + "'";
  for (const auto& h : headers) cmd += " -H '" + h + "'";
  cmd += " 'http://127.0.0.1:" + std::to_string(port) + path + "'";
  FILE* f = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while (f != nullptr && (n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  if (f != nullptr) pclose(f);
  CurlResult r;
  auto nl = out.rfind('\n');
  if (nl == std::string::npos) return r;
  r.status = std::atoi(out.c_str() + nl + 1);
  r.body = out.substr(0, nl);
  return r;
}

class WebhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
    receiver_ = std::make_unique<Receiver>(
        [](const std::string& ns, const std::string& name) -> Result<HookConfig, LookupError> {
          if (ns != "ml-serving" || name != "churn-model") return LookupError{404, "not found"};
          return HookConfig{ns,    name,    Provider::kGitHub,
                            "",    kSecret, "https://github.com/acme/churn-model.git",
                            "main"};
        },
        [this](const HookConfig&, const RunRequest& run) {
          last_revision_ = run.revision;
          ++triggers_;
          return Status{};
        },
        Limits{64 * 1024});
    auto server = Server::Start("127.0.0.1:0", *receiver_);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server.value());
    ASSERT_GT(server_->port(), 0);
  }

  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<Server> server_;
  std::atomic<int> triggers_{0};
  std::string last_revision_;
};

TEST_F(WebhookServerTest, SignedPushTriggersARun) {
  std::string body = testing::kGitHubPush;
  std::string sig = testing::OpensslSign(kSecret, body);
  std::vector<std::string> headers = {"Content-Type: application/json", "X-GitHub-Event: push",
                                      "X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958",
                                      "X-Hub-Signature-256: " + sig};
  CurlResult r = Curl(server_->port(), "/hooks/ml-serving/churn-model", body, headers);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_NE(r.body.find("run requested"), std::string::npos);
  EXPECT_EQ(triggers_.load(), 1);
  EXPECT_EQ(last_revision_, "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f");
  EXPECT_EQ(Curl(server_->port(), "/hooks/ml-serving/churn-model", body, headers).status, 409);
  EXPECT_EQ(triggers_.load(), 1);
}

TEST_F(WebhookServerTest, RefusalsOverTheWire) {
  std::string body = testing::kGitHubPush;
  std::vector<std::string> bad_sig = {"X-GitHub-Event: push", "X-GitHub-Delivery: a",
                                      "X-Hub-Signature-256: " + testing::OpensslSign("x", body)};
  EXPECT_EQ(Curl(server_->port(), "/hooks/ml-serving/churn-model", body, bad_sig).status, 401);
  EXPECT_EQ(Curl(server_->port(), "/hooks/ml-serving/nope", body, bad_sig).status, 404);
  EXPECT_EQ(Curl(server_->port(), "/hooks/ml-serving/churn-model", "", {}, "GET").status, 405);
  std::string big(100 * 1024, 'x');
  std::vector<std::string> big_headers = {
      "X-GitHub-Event: push", "X-Hub-Signature-256: " + testing::OpensslSign(kSecret, big)};
  EXPECT_EQ(Curl(server_->port(), "/hooks/ml-serving/churn-model", big, big_headers).status, 413);
  EXPECT_EQ(triggers_.load(), 0);
}

TEST(WebhookServer, BadBindAddress) {
  Receiver rx(
      [](const std::string&, const std::string&) -> Result<HookConfig, LookupError> {
        return LookupError{404, "x"};
      },
      [](const HookConfig&, const RunRequest&) { return Status{}; });
  auto s = Server::Start("localhost", rx);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("expected host:port"), std::string::npos);
}

}  // namespace
}  // namespace ferry::pipeline::webhook

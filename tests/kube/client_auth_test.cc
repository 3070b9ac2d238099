// Credentials that change while the client runs: rotated service-account tokens and exec
// plugins whose credential expires or is rejected.
#include <atomic>
#include <mutex>

#include "tests/kube/client_fixture.h"

namespace ferry::kube::testing {
namespace {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

// A server accepting exactly one bearer token at a time, counting 401s.
struct TokenServer {
  std::mutex mu;
  std::string accepted;
  std::atomic<int> unauthorized{0};
  Handler handler() {
    return [this](const HttpRequest& req, ResponseWriter& w) {
      std::lock_guard<std::mutex> lock(mu);
      if (req.Header("authorization") != "Bearer " + accepted) {
        ++unauthorized;
        w.Send(401, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
      } else {
        w.Send(200, R"({"kind":"ConfigMap","metadata":{"name":"c"}})");
      }
    };
  }
  void Accept(const std::string& token) {
    std::lock_guard<std::mutex> lock(mu);
    accepted = token;
  }
};

TEST_F(ClientTest, InClusterRotatedTokenIsPickedUp) {
  TokenServer tokens;
  tokens.Accept("token-v1");
  auto server = Serve(tokens.handler());
  TempDir sa;
  sa.Write("token", "token-v1\n");
  sa.Write("ca.crt", pki_.ca_crt);
  sa.Write("namespace", "ferry-system");
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "127.0.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", std::to_string(server->port()));
  ScopedEnv dir(std::string(kServiceAccountDirEnv).c_str(), sa.path());
  auto cfg = InClusterConfig();
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  auto client = NewClient(*cfg);
  ASSERT_TRUE(client->Get(kConfigMaps, client->default_namespace(), "c").ok());
  EXPECT_EQ(server->Requests().back().path, "/api/v1/namespaces/ferry-system/configmaps/c");

  // kubelet rotates the token; the old one stops working at the same moment.
  sa.Write("token", "token-v2-longer\n");
  tokens.Accept("token-v2-longer");
  for (int i = 0; i < 3; ++i) {
    auto r = client->Get(kConfigMaps, "ferry-system", "c");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }
  EXPECT_EQ(tokens.unauthorized.load(), 0);  // the new token was used straight away
}

TEST_F(ClientTest, UnauthorizedAfterRotationReReadsTheTokenFile) {
  TokenServer tokens;
  tokens.Accept("a");
  auto server = Serve(tokens.handler());
  Config cfg = ConfigFor(*server);
  cfg.bearer_token.clear();
  dir_.Write("token", "a");
  cfg.bearer_token_file = dir_.File("token");
  auto client = NewClient(cfg);
  ASSERT_TRUE(client->Get(kConfigMaps, "ns", "c").ok());
  // The server starts rejecting the token; the file is replaced with a token of the same size
  // in the same clock tick at worst: the 401 forces a re-read, and the request is repeated.
  tokens.Accept("b");
  dir_.Write("token", "b");
  auto r = client->Get(kConfigMaps, "ns", "c");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  // And a token nobody can refresh stays a typed 401.
  tokens.Accept("c");
  r = client->Get(kConfigMaps, "ns", "c");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsUnauthorized(r.error()));
}

TEST_F(ClientTest, ExecPluginRerunsOnUnauthorized) {
  TokenServer tokens;
  tokens.Accept("token-1");
  auto server = Serve(tokens.handler());
  dir_.Write("plugin.sh",
             "#!/bin/sh\nn=$(cat \"" + dir_.File("runs") + "\" 2>/dev/null || echo 0)\nn=$((n+1))\n"
             "echo $n > \"" + dir_.File("runs") + "\"\n"
             "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
             "\"status\":{\"token\":\"token-'$n'\"}}'\n",
             true);
  Config cfg = ConfigFor(*server);
  cfg.bearer_token.clear();
  cfg.exec = ExecConfig{"client.authentication.k8s.io/v1", dir_.File("plugin.sh"), {}, {}, "", false, ""};
  auto client = NewClient(cfg);
  ASSERT_TRUE(client->Get(kConfigMaps, "ns", "c").ok());
  ASSERT_TRUE(client->Get(kConfigMaps, "ns", "c").ok());
  EXPECT_EQ(ReadText(dir_.File("runs")), "1\n");  // cached
  tokens.Accept("token-2");  // the cloud revoked token-1
  auto r = client->Get(kConfigMaps, "ns", "c");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(ReadText(dir_.File("runs")), "2\n");
  EXPECT_EQ(tokens.unauthorized.load(), 1);
}

TEST_F(ClientTest, ExecPluginClientCertificate) {
  auto server = Serve(Reply(200, R"({"kind":"Pod"})"), /*require_client_cert=*/true);
  auto json_escape = [](const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
  };
  dir_.Write("cred.json", "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                          "\"status\":{\"clientCertificateData\":\"" + json_escape(pki_.client_crt) +
                              "\",\"clientKeyData\":\"" + json_escape(pki_.client_key) + "\"}}");
  dir_.Write("plugin.sh", "#!/bin/sh\ncat \"" + dir_.File("cred.json") + "\"\n", true);
  Config cfg = ConfigFor(*server);
  cfg.bearer_token.clear();
  cfg.exec = ExecConfig{"client.authentication.k8s.io/v1", dir_.File("plugin.sh"), {}, {}, "", false, ""};
  auto client = NewClient(cfg);
  auto r = client->Get(kPods, "ns", "p");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(server->Requests().at(0).client_cn, "ferry-test");
  EXPECT_EQ(server->Connections(), 1);  // the first request already carried the certificate
}

}  // namespace
}  // namespace ferry::kube::testing

// Transport security against a real local HTTPS server: which certificates are trusted, host
// name checks, client certificates, and every kubeconfig way of configuring them.
#include <cstdlib>

#include "operator/kube/file_util.h"
#include "tests/kube/client_fixture.h"

namespace ferry::kube::testing {
namespace {

const char kOk[] = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}})";

TEST_F(ClientTest, VerifiesTheServerAgainstTheConfiguredCa) {
  auto server = Serve(Reply(200, kOk));
  auto client = NewClient(ConfigFor(*server));
  auto pod = client->Get(kPods, "default", "p");
  ASSERT_TRUE(pod.ok()) << pod.error().ToString();
  EXPECT_EQ((*pod)["metadata"]["name"], "p");
  auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Header("user-agent"), DefaultUserAgent());
  EXPECT_EQ(reqs[0].Header("authorization"), "Bearer test-token");
  EXPECT_EQ(reqs[0].Header("accept"), "application/json");
}

TEST_F(ClientTest, WrongCaFailsWithAClearMessage) {
  auto server = Serve(Reply(200, kOk));
  Config cfg = ConfigFor(*server);
  cfg.ca_pem = pki_.other_ca_crt;
  auto client = NewClient(cfg);
  auto r = client->Get(kPods, "default", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsNetwork(r.error()));
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("configured certificate-authority"), std::string::npos);
  EXPECT_EQ(r.error().reason, kReasonCertificateInvalid);  // a refused certificate: no retries
  EXPECT_EQ(server->Connections(), 2);  // cpprest's handshake and the diagnostic one
  EXPECT_TRUE(server->Requests().empty());
}

TEST_F(ClientTest, HostNameMismatchFailsWithAClearMessage) {
  auto server = Serve(Reply(200, kOk));
  Config cfg = ConfigFor(*server);
  cfg.tls_server_name = "wrong.example";
  auto r = NewClient(cfg)->Get(kPods, "default", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsNetwork(r.error()));
  EXPECT_NE(r.error().message.find("not valid for \"wrong.example\""), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(server->Requests().empty());
}

TEST_F(ClientTest, TlsServerNameIsVerifiedAndSentAsSni) {
  auto server = Serve(Reply(200, kOk));
  Config cfg = ConfigFor(*server);
  cfg.tls_server_name = "kube.test";  // a SAN of the server cert; the URL says 127.0.0.1
  auto r = NewClient(cfg)->Get(kPods, "default", "p");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(server->Requests().at(0).sni, "kube.test");
}

TEST_F(ClientTest, DnsNameInTheUrlIsVerified) {
  auto server = Serve(Reply(200, kOk));
  auto r = NewClient(ConfigFor(*server, "localhost"))->Get(kPods, "default", "p");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(server->Requests().at(0).sni, "localhost");
}

// A certificate signed by an authority of the system store is refused when a CA is configured:
// the configured CA replaces the store. SSL_CERT_FILE makes "other-ca" the system store.
TEST_F(ClientTest, CertificateFromTheSystemStoreIsRefusedWhenACaIsConfigured) {
  ::setenv("SSL_CERT_FILE", pki_.other_ca_crt_path.c_str(), 1);
  auto server = Serve(Reply(200, kOk), false, /*other_ca_cert=*/true);
  Config with_ca = ConfigFor(*server);
  auto refused = NewClient(with_ca)->Get(kPods, "default", "p");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos)
      << refused.error().message;

  Config system_store = ConfigFor(*server);
  system_store.ca_pem.clear();  // no CA configured: the system store applies
  auto accepted = NewClient(system_store)->Get(kPods, "default", "p");
  EXPECT_TRUE(accepted.ok()) << accepted.error().ToString();
  ::unsetenv("SSL_CERT_FILE");
}

TEST_F(ClientTest, InsecureSkipsVerification) {
  auto server = Serve(Reply(200, kOk), false, /*other_ca_cert=*/true);
  Config cfg = ConfigFor(*server);
  cfg.ca_pem.clear();
  cfg.insecure_skip_tls_verify = true;
  auto r = NewClient(cfg)->Get(kPods, "default", "p");
  EXPECT_TRUE(r.ok()) << r.error().ToString();
}

TEST_F(ClientTest, PresentsTheClientCertificate) {
  auto server = Serve(Reply(200, kOk), /*require_client_cert=*/true);
  Config cfg = ConfigFor(*server);
  cfg.bearer_token.clear();
  cfg.client_cert_pem = pki_.client_crt;
  cfg.client_key_pem = pki_.client_key;
  auto r = NewClient(cfg)->Get(kPods, "default", "p");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(server->Requests().at(0).client_cn, "ferry-test");
  EXPECT_EQ(server->Requests().at(0).Header("authorization"), "");

  Config without = ConfigFor(*server);
  ClientOptions no_retry;
  no_retry.retry.max_attempts = 1;
  auto refused = NewClient(without, no_retry)->Get(kPods, "default", "p");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsNetwork(refused.error()));
}

TEST_F(ClientTest, TunnelsThroughTheKubeconfigProxy) {
  auto server = Serve(Reply(200, kOk));
  ConnectProxy proxy;
  dir_.Write("kubeconfig",
             "current-context: c\nclusters:\n- name: k\n  cluster: {server: '" + server->Url("kube.test") +
                 "', certificate-authority: ca.crt, proxy-url: '" + proxy.Url() +
                 "'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n");
  auto cfg = LoadKubeconfig(dir_.File("kubeconfig"), "");
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  EXPECT_EQ(cfg->proxy_url, proxy.Url());
  // kube.test does not resolve here: only the proxy can reach it (it tunnels to 127.0.0.1).
  auto r = NewClient(*cfg)->Get(kPods, "default", "p");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_FALSE(proxy.Targets().empty());
  EXPECT_EQ(proxy.Targets().front(), "CONNECT kube.test:" + std::to_string(server->port()));
  EXPECT_EQ(server->Requests().at(0).sni, "kube.test");

  Config bad = *cfg;
  bad.proxy_url = "socks5://127.0.0.1:1080";
  auto c = Client::New(bad);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("must be http://"), std::string::npos);
}

TEST_F(ClientTest, BadTlsMaterialIsAConfigError) {
  Config cfg;
  cfg.server = "https://127.0.0.1:1";
  cfg.ca_pem = "not a pem";
  auto c = Client::New(cfg);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, Error::Kind::kConfig);
  EXPECT_NE(c.error().message.find("certificate-authority"), std::string::npos);

  cfg.ca_pem = pki_.ca_crt;
  cfg.client_cert_pem = pki_.client_crt;
  cfg.client_key_pem = pki_.other_server_key;
  c = Client::New(cfg);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("does not match"), std::string::npos);
}

TEST_F(ClientTest, ReusesTheConnection) {
  auto server = Serve(Reply(200, kOk));
  auto client = NewClient(ConfigFor(*server));
  constexpr int kRequests = 10;
  for (int i = 0; i < kRequests; ++i) ASSERT_TRUE(client->Get(kPods, "default", "p").ok());
  // cpprest returns a connection to its pool just after the response completes, so a request
  // sent at once may occasionally open a second one; without keep-alive there would be ten.
  std::map<int, int> per_connection;
  for (const auto& req : server->Requests()) ++per_connection[req.connection];
  EXPECT_LE(server->Connections(), kRequests / 2);
  int most = 0;
  for (const auto& [conn, n] : per_connection) most = std::max(most, n);
  EXPECT_GE(most, 2);
}

// Every kubeconfig variant, end to end: the file is loaded, the client built, and the server
// observes the expected credential.
TEST_F(ClientTest, EveryKubeconfigVariantAuthenticates) {
  auto server = Serve(
      [](const HttpRequest& req, ResponseWriter& w) {
        if (req.client_cn.empty() && req.Header("authorization").empty()) {
          w.Send(401, StatusBody(401, "Unauthorized", "Unauthorized"));
        } else {
          w.Send(200, kOk);
        }
      },
      false, false, /*optional_client_cert=*/true);
  auto b64 = [](const std::string& in) { return internal::Base64Encode(in); };
  dir_.Write("sa-token", "file-token\n");
  dir_.Write("exec.sh",
             "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
             "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-token\"}}'\n",
             true);
  const std::string url = server->Url();
  struct Case {
    std::string name, cluster, user, want_auth;
  };
  const Case cases[] = {
      {"token + CA file", "certificate-authority: ca.crt", "token: static-token", "Bearer static-token"},
      {"tokenFile + CA data", "certificate-authority-data: " + b64(pki_.ca_crt), "tokenFile: sa-token",
       "Bearer file-token"},
      {"client cert files", "certificate-authority: ca.crt",
       "{client-certificate: client.crt, client-key: client.key}", ""},
      {"client cert data", "certificate-authority: ca.crt",
       "{client-certificate-data: " + b64(pki_.client_crt) + ", client-key-data: " + b64(pki_.client_key) + "}",
       ""},
      {"insecure", "insecure-skip-tls-verify: true", "token: t2", "Bearer t2"},
      {"tls-server-name", "{certificate-authority: ca.crt, tls-server-name: kube.test}", "token: t3",
       "Bearer t3"},
      {"exec plugin", "certificate-authority: ca.crt",
       "{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./exec.sh}}", "Bearer exec-token"},
  };
  for (const auto& c : cases) {
    auto strip = [](std::string s) { return s.front() == '{' ? s.substr(1, s.size() - 2) : s; };
    dir_.Write("kubeconfig",
               "apiVersion: v1\nkind: Config\ncurrent-context: ctx\nclusters:\n- name: c\n  cluster: {server: '" +
                   url + "', " + strip(c.cluster) + "}\nusers:\n- name: u\n  user: {" + strip(c.user) +
                   "}\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\n");
    auto cfg = LoadKubeconfig(dir_.File("kubeconfig"), "");
    ASSERT_TRUE(cfg.ok()) << c.name << ": " << cfg.error().ToString();
    auto client = NewClient(*cfg);
    ASSERT_TRUE(client) << c.name;
    size_t before = server->Requests().size();
    auto r = client->Get(kPods, "default", "p");
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.error().ToString();
    auto req = server->Requests().at(before);
    EXPECT_EQ(req.Header("authorization"), c.want_auth) << c.name;
    if (c.want_auth.empty()) {
      EXPECT_EQ(req.client_cn, "ferry-test") << c.name;
    }
  }
}

}  // namespace
}  // namespace ferry::kube::testing

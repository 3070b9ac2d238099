#include "operator/kube/exec_credential.h"

#include <gtest/gtest.h>

#include "operator/kube/auth.h"
#include "tests/kube/test_server.h"

namespace ferry::kube {
namespace {

using testing::ReadText;
using testing::TempDir;
constexpr char kV1[] = "client.authentication.k8s.io/v1";

TEST(ExecCredentialTest, ParsesTokenCertificateAndExpiry) {
  auto cred = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"tok","expirationTimestamp":"2026-11-25T10:00:00Z"}})",
      kV1);
  ASSERT_TRUE(cred.ok()) << cred.error().ToString();
  EXPECT_EQ(cred->token, "tok");
  ASSERT_TRUE(cred->expiration);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*cred->expiration), 1795600800);

  auto cert = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"clientCertificateData":"C","clientKeyData":"K"}})",
      kV1);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->client_certificate_data, "C");
  EXPECT_FALSE(cert->expiration);
}

TEST(ExecCredentialTest, RejectsBadOutputClearly) {
  struct Case {
    std::string out, want;
  };
  const Case cases[] = {
      {"", "no ExecCredential JSON"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod"})", "want ExecCredential"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}})",
       "was asked for"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})",
       "neither status.token"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"soon"}})",
       "invalid expirationTimestamp"},
      // Fields of the wrong type read as missing instead of throwing.
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":7})", "kind \"\", want"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":"x"})",
       "neither status.token"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":{}}})",
       "neither status.token"},
  };
  for (const auto& c : cases) {
    auto r = ParseExecCredential(c.out, kV1);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos) << r.error().message;
  }
}

TEST(ExecCredentialTest, FarFutureExpiryMeansNeverExpires) {
  auto cred = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"tok","expirationTimestamp":"9999-12-31T23:59:59Z"}})",
      kV1);
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  ASSERT_TRUE(cred->expiration);
  EXPECT_EQ(*cred->expiration, std::chrono::system_clock::time_point::max());
}

TEST(ExecCredentialTest, ExecInfoCarriesClusterWhenAsked) {
  ExecConfig exec{kV1, "x", {}, {}, "", true, "Never"};
  Config cfg;
  cfg.server = "https://h:1";
  cfg.ca_pem = "PEM";
  auto info = ExecInfo(exec, cfg);
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://h:1");
  EXPECT_EQ(info["spec"]["cluster"]["certificate-authority-data"], "UEVN");
  exec.provide_cluster_info = false;
  EXPECT_FALSE(ExecInfo(exec, cfg)["spec"].contains("cluster"));
}

// Writes a plugin that records its runs and environment and prints a token named after the run.
std::string WritePlugin(const TempDir& dir, const std::string& expiry) {
  dir.Write("plugin.sh",
            "#!/bin/sh\n"
            "n=$(cat \"" + dir.File("runs") + "\" 2>/dev/null || echo 0)\n"
            "n=$((n+1))\necho $n > \"" + dir.File("runs") + "\"\n"
            "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"" + dir.File("info") + "\"\n"
            "echo \"$1 $REGION\" > \"" + dir.File("argv") + "\"\n"
            "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
            "\"status\":{\"token\":\"token-'$n'\"" + expiry + "}}'\n",
            /*executable=*/true);
  return dir.File("plugin.sh");
}

TEST(ExecPluginTest, RunsWithArgsEnvAndExecInfo) {
  TempDir dir;
  ExecConfig exec{kV1, WritePlugin(dir, ""), {"--region-flag"}, {{"REGION", "eu"}}, "", false, ""};
  auto out = RunExecPlugin(exec, R"({"kind":"ExecCredential"})");
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_NE(out->find("token-1"), std::string::npos);
  EXPECT_EQ(ReadText(dir.File("argv")), "--region-flag eu\n");
  EXPECT_EQ(ReadText(dir.File("info")), R"({"kind":"ExecCredential"})");
}

TEST(ExecPluginTest, FailuresNameTheCommandAndHint) {
  TempDir dir;
  ExecConfig missing{kV1, dir.File("nope"), {}, {}, "brew install nope", false, ""};
  auto r = RunExecPlugin(missing, "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nope"), std::string::npos);
  EXPECT_NE(r.error().message.find("brew install nope"), std::string::npos);

  dir.Write("fail.sh", "#!/bin/sh\necho oops >&2\nexit 3\n", true);
  r = RunExecPlugin({kV1, dir.File("fail.sh"), {}, {}, "", false, ""}, "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exit code 3"), std::string::npos);

  dir.Write("hang.sh", "#!/bin/sh\nexec sleep 30\n", true);
  r = RunExecPlugin({kV1, dir.File("hang.sh"), {}, {}, "", false, ""}, "{}",
                    std::chrono::milliseconds(200));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("did not finish"), std::string::npos);
}

TEST(AuthenticatorTest, ExecCredentialCachedUntilExpiry) {
  TempDir dir;
  FakeClock clock;
  // Expiry one hour after the fake clock's wall time.
  auto expiry = clock.WallNow() + std::chrono::hours(1);
  std::time_t t = std::chrono::system_clock::to_time_t(expiry);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  Config cfg;
  cfg.exec = ExecConfig{kV1, WritePlugin(dir, std::string(",\"expirationTimestamp\":\"") + ts + "\""),
                        {}, {}, "", false, ""};
  Authenticator auth(cfg, clock);
  EXPECT_EQ(*auth.Authorization(), "Bearer token-1");
  EXPECT_EQ(*auth.Authorization(), "Bearer token-1");
  clock.Advance(std::chrono::minutes(30));
  EXPECT_EQ(*auth.Authorization(), "Bearer token-1");
  EXPECT_EQ(auth.exec_runs(), 1);
  clock.Advance(std::chrono::minutes(30));  // past expiry (minus skew): run again
  EXPECT_EQ(*auth.Authorization(), "Bearer token-2");
  EXPECT_EQ(auth.exec_runs(), 2);
  EXPECT_TRUE(auth.Invalidate());  // a 401 forces a new run
  EXPECT_EQ(*auth.Authorization(), "Bearer token-3");
}

TEST(AuthenticatorTest, TokenFileReReadWhenItChanges) {
  TempDir dir;
  dir.Write("token", "first\n");
  FakeClock clock;
  Config cfg;
  cfg.bearer_token_file = dir.File("token");
  Authenticator auth(cfg, clock);
  EXPECT_EQ(*auth.Authorization(), "Bearer first");
  dir.Write("token", "second-token\n");
  EXPECT_EQ(*auth.Authorization(), "Bearer second-token");
  EXPECT_FALSE(auth.Invalidate());  // nothing new to read: a retry would not help
}

TEST(AuthenticatorTest, StaticTokenAndNone) {
  FakeClock clock;
  Config cfg;
  EXPECT_EQ(*Authenticator(cfg, clock).Authorization(), "");
  cfg.bearer_token = "s";
  Authenticator auth(cfg, clock);
  EXPECT_EQ(*auth.Authorization(), "Bearer s");
  EXPECT_FALSE(auth.Invalidate());
}

}  // namespace
}  // namespace ferry::kube

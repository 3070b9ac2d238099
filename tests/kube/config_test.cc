#include "operator/kube/config.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "operator/kube/file_util.h"
#include "tests/kube/test_server.h"

namespace ferry::kube {
namespace {

using testing::TempDir;

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value.empty()) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string B64(const std::string& in) { return internal::Base64Encode(in); }

constexpr char kCa[] = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";

std::string Kubeconfig(const std::string& cluster, const std::string& user,
                       const std::string& extra_context = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
         "clusters:\n- name: c1\n  cluster:\n" + cluster +
         "users:\n- name: u1\n  user:\n" + user +
         "contexts:\n- name: main\n  context: {cluster: c1, user: u1, namespace: team-a}\n" +
         extra_context;
}

TEST(KubeconfigTest, TokenAndCaData) {
  auto cfg = ParseKubeconfig(
      Kubeconfig("    server: https://10.0.0.1:6443\n    certificate-authority-data: " + B64(kCa) + "\n",
                 "    token: abc.def\n"),
      "", "/etc", "test");
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:6443");
  EXPECT_EQ(cfg->ca_pem, kCa);
  EXPECT_EQ(cfg->bearer_token, "abc.def");
  EXPECT_EQ(cfg->default_namespace, "team-a");
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
  EXPECT_FALSE(cfg->exec.has_value());
}

TEST(KubeconfigTest, FilesResolveRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("ca.crt", kCa);
  dir.Write("client.crt", "CERT");
  dir.Write("client.key", "KEY");
  dir.Write("config", Kubeconfig("    server: https://kube.test:6443\n    certificate-authority: ca.crt\n"
                                 "    tls-server-name: api.internal\n",
                                 "    client-certificate: client.crt\n    client-key: " +
                                     dir.File("client.key") + "\n    tokenFile: token\n"));
  auto cfg = LoadKubeconfig(dir.File("config"), "");
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  EXPECT_EQ(cfg->ca_pem, kCa);
  EXPECT_EQ(cfg->client_cert_pem, "CERT");
  EXPECT_EQ(cfg->client_key_pem, "KEY");
  EXPECT_EQ(cfg->tls_server_name, "api.internal");
  EXPECT_EQ(cfg->bearer_token_file, dir.File("token"));
  EXPECT_NE(cfg->source.find("context main"), std::string::npos);
}

TEST(KubeconfigTest, ClientCertificateDataAndInsecure) {
  auto cfg = ParseKubeconfig(
      Kubeconfig("    server: https://h:1\n    insecure-skip-tls-verify: true\n",
                 "    client-certificate-data: " + B64("CERT") + "\n    client-key-data: " + B64("KEY") + "\n"),
      "", "/", "test");
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  EXPECT_TRUE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->client_cert_pem, "CERT");
  EXPECT_EQ(cfg->client_key_pem, "KEY");
}

TEST(KubeconfigTest, ExecPlugin) {
  auto cfg = ParseKubeconfig(
      Kubeconfig("    server: https://h:1\n",
                 "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                 "      command: ./bin/get-token\n      args: [--cluster, prod]\n"
                 "      env:\n      - {name: REGION, value: eu-west-1}\n"
                 "      provideClusterInfo: true\n      installHint: install get-token\n"
                 "      interactiveMode: Never\n"),
      "", "/home/me/.kube", "test");
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  ASSERT_TRUE(cfg->exec.has_value());
  EXPECT_EQ(cfg->exec->command, "/home/me/.kube/./bin/get-token");
  EXPECT_EQ(cfg->exec->args, (std::vector<std::string>{"--cluster", "prod"}));
  ASSERT_EQ(cfg->exec->env.size(), 1u);
  EXPECT_EQ(cfg->exec->env[0].second, "eu-west-1");
  EXPECT_TRUE(cfg->exec->provide_cluster_info);
  EXPECT_EQ(cfg->exec->install_hint, "install get-token");
}

TEST(KubeconfigTest, ContextFlagOverridesCurrentContext) {
  const std::string other =
      "- name: other\n  context: {cluster: c1, user: u1}\n";
  auto yaml = Kubeconfig("    server: https://h:1\n", "    token: t\n");
  yaml += other;  // appended to the contexts list
  auto cfg = ParseKubeconfig(yaml, "other", "/", "test");
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  EXPECT_EQ(cfg->default_namespace, "default");
}

TEST(KubeconfigTest, ClearErrors) {
  struct Case {
    std::string yaml, context, want;
  };
  const Case cases[] = {
      {Kubeconfig("    server: https://h:1\n", "    token: t\n"), "nope", "context \"nope\" not found"},
      {Kubeconfig("    insecure-skip-tls-verify: true\n", "    token: t\n"), "", "server is empty"},
      {Kubeconfig("    server: https://h:1\n    certificate-authority-data: '%%%'\n", "    token: t\n"), "",
       "certificate-authority-data is not valid base64"},
      {Kubeconfig("    server: https://h:1\n    certificate-authority: /nonexistent/ca.crt\n", "    token: t\n"),
       "", "cannot read certificate-authority file \"/nonexistent/ca.crt\""},
      {Kubeconfig("    server: https://h:1\n", "    client-certificate-data: " + B64("C") + "\n"), "",
       "must be given together"},
      {Kubeconfig("    server: https://h:1\n", "    exec: {command: x}\n"), "", "exec.apiVersion is required"},
      {Kubeconfig("    server: https://h:1\n",
                  "    exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Always}\n"),
       "", "has no terminal"},
      {Kubeconfig("    server: https://h:1\n    proxy-url: socks5://p:1080\n", "    token: t\n"), "",
       "use an http:// proxy"},
      {"apiVersion: v1\nkind: Config\n", "", "no current-context"},
      {"clusters: [unclosed", "", "not valid YAML"},
      {"current-context: c\ncontexts:\n- name: c\n  context: just-a-string\n", "",
       "contexts[].context of \"c\" must be a map"},
  };
  for (const auto& c : cases) {
    auto cfg = ParseKubeconfig(c.yaml, c.context, "/", "kc.yaml");
    ASSERT_FALSE(cfg.ok()) << c.want;
    EXPECT_EQ(cfg.error().kind, Error::Kind::kConfig);
    EXPECT_NE(cfg.error().message.find(c.want), std::string::npos) << cfg.error().message;
  }
}

// Regression (bad-input corpus): a directory was read as an empty CA (the system trust store
// then applied silently) and /dev/zero was read until memory ran out.
TEST(KubeconfigTest, FilesThatAreNotRegularFilesAreClearErrors) {
  TempDir dir;
  auto ca_is_dir = ParseKubeconfig(
      Kubeconfig("    server: https://h:1\n    certificate-authority: " + dir.path() + "\n",
                 "    token: t\n"),
      "", "/", "kc.yaml");
  ASSERT_FALSE(ca_is_dir.ok());
  EXPECT_NE(ca_is_dir.error().message.find("cannot read certificate-authority file \"" +
                                            dir.path() + "\": Is a directory"),
            std::string::npos)
      << ca_is_dir.error().message;

  auto endless = ParseKubeconfig(
      Kubeconfig("    server: https://h:1\n", "    client-certificate: /dev/zero\n"
                                                "    client-key: /dev/zero\n"),
      "", "/", "kc.yaml");
  ASSERT_FALSE(endless.ok());
  EXPECT_NE(endless.error().message.find("\"/dev/zero\": larger than 16 MiB"), std::string::npos)
      << endless.error().message;
}

TEST(KubeconfigTest, KubeconfigEnvListMergesFirstWins) {
  TempDir dir;
  dir.Write("a", "current-context: ctx-a\nclusters:\n- name: c\n  cluster: {server: 'https://first:1'}\n"
                 "contexts:\n- name: ctx-a\n  context: {cluster: c, user: u}\n");
  dir.Write("b", "current-context: ignored\nclusters:\n- name: c\n  cluster: {server: 'https://second:1'}\n"
                 "users:\n- name: u\n  user: {token: from-b}\n");
  ScopedEnv env("KUBECONFIG", dir.File("a") + ":" + dir.File("missing") + ":" + dir.File("b"));
  auto cfg = LoadKubeconfig("", "");
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  EXPECT_EQ(cfg->server, "https://first:1");
  EXPECT_EQ(cfg->bearer_token, "from-b");
}

TEST(InClusterTest, ReadsServiceAccountFiles) {
  TempDir dir;
  dir.Write("token", "tok-1\n");
  dir.Write("ca.crt", kCa);
  dir.Write("namespace", "ferry-system");
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  ScopedEnv sa(std::string(kServiceAccountDirEnv).c_str(), dir.path());
  auto cfg = InClusterConfig();
  ASSERT_TRUE(cfg.ok()) << cfg.error().ToString();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->ca_pem, kCa);
  EXPECT_EQ(cfg->bearer_token_file, dir.File("token"));
  EXPECT_TRUE(cfg->bearer_token.empty());  // read per request, never captured
  EXPECT_EQ(cfg->default_namespace, "ferry-system");

  ScopedEnv v6("KUBERNETES_SERVICE_HOST", "fd00::1");
  EXPECT_EQ(InClusterConfig()->server, "https://[fd00::1]:443");
}

TEST(InClusterTest, MissingEnvOrTokenIsAClearError) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "");
  auto cfg = InClusterConfig();
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);

  TempDir dir;
  ScopedEnv h("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv p("KUBERNETES_SERVICE_PORT", "443");
  ScopedEnv sa(std::string(kServiceAccountDirEnv).c_str(), dir.path());
  cfg = InClusterConfig();
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("service-account token"), std::string::npos);
}

TEST(LoadConfigTest, PrecedenceFlagThenEnvThenInClusterThenHome) {
  TempDir dir;
  auto kc = [](const std::string& server) {
    return "current-context: x\nclusters:\n- name: c\n  cluster: {server: '" + server +
           "'}\ncontexts:\n- name: x\n  context: {cluster: c}\n";
  };
  dir.Write("flag", kc("https://flag:1"));
  dir.Write("env", kc("https://env:1"));
  dir.Write(".kube-config", "");
  std::filesystem::create_directories(dir.File("home/.kube"));
  dir.Write("home/.kube/config", kc("https://home:1"));
  dir.Write("token", "t");
  dir.Write("ca.crt", kCa);
  ScopedEnv home("HOME", dir.File("home"));
  ScopedEnv sa(std::string(kServiceAccountDirEnv).c_str(), dir.path());
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  {
    ScopedEnv env("KUBECONFIG", dir.File("env"));
    ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.0.0.1");
    EXPECT_EQ(LoadConfig(dir.File("flag"), "")->server, "https://flag:1");
    EXPECT_EQ(LoadConfig("", "")->server, "https://env:1");
  }
  {
    ScopedEnv env("KUBECONFIG", "");
    ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.0.0.1");
    EXPECT_EQ(LoadConfig("", "")->server, "https://10.0.0.1:443");
  }
  {
    ScopedEnv env("KUBECONFIG", "");
    ScopedEnv host("KUBERNETES_SERVICE_HOST", "");
    EXPECT_EQ(LoadConfig("", "")->server, "https://home:1");
  }
  EXPECT_FALSE(LoadConfig(dir.File("does-not-exist"), "").ok());
}

TEST(ConfigTest, DefaultUserAgentCarriesTheVersion) {
  EXPECT_EQ(DefaultUserAgent().rfind("ferry-operator/", 0), 0u);
  EXPECT_GT(DefaultUserAgent().size(), std::string("ferry-operator/").size());
}

}  // namespace
}  // namespace ferry::kube

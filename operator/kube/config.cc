// kubeconfig and in-cluster loading. See config.h for the rules.
#include "operator/kube/config.h"

#include <cstdlib>
#include <map>
#include <sys/stat.h>

#include <yaml-cpp/yaml.h>

#include "operator/kube/file_util.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

namespace ferry::kube {
namespace {

using internal::ReadFile;
using internal::ResolvePath;

struct Entry {
  YAML::Node node;
  std::string dir;  // directory of the file that defined it (relative paths resolve here)
};

// The merged view of one or more kubeconfig files.
struct Kubeconfig {
  std::string current_context;
  std::map<std::string, Entry> clusters, users, contexts;
  std::string origin;
};

std::string EnvOr(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string Str(const YAML::Node& n, const char* key) {
  if (!n.IsMap()) return {};  // operator[] throws on a scalar or a sequence
  auto v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

Status AddNamed(const YAML::Node& list, const char* section, const char* inner,
                const std::string& dir, std::map<std::string, Entry>& out,
                std::string_view origin) {
  if (!list) return {};
  if (!list.IsSequence()) {
    return Error::Config(std::string(origin) + ": \"" + section + "\" must be a list");
  }
  for (const auto& item : list) {
    std::string name = Str(item, "name");
    if (name.empty()) {
      return Error::Config(std::string(origin) + ": an entry of \"" + section + "\" has no name");
    }
    YAML::Node body = item[inner];
    // First definition wins, as in client-go's merge of KUBECONFIG files.
    out.emplace(name, Entry{body ? body : YAML::Node(YAML::NodeType::Map), dir});
  }
  return {};
}

Status MergeYaml(std::string_view yaml, std::string_view dir, std::string_view origin,
                 Kubeconfig& kc) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Error::Config(std::string(origin) + " is not valid YAML: " + e.what());
  }
  if (root.IsNull()) return {};
  if (!root.IsMap()) return Error::Config(std::string(origin) + " is not a kubeconfig (not a map)");
  try {
    if (kc.current_context.empty()) kc.current_context = Str(root, "current-context");
    std::string d(dir);
    if (auto s = AddNamed(root["clusters"], "clusters", "cluster", d, kc.clusters, origin); !s) return s;
    if (auto s = AddNamed(root["users"], "users", "user", d, kc.users, origin); !s) return s;
    if (auto s = AddNamed(root["contexts"], "contexts", "context", d, kc.contexts, origin); !s) return s;
  } catch (const YAML::Exception& e) {
    return Error::Config(std::string(origin) + ": " + e.what());
  }
  if (!kc.origin.empty()) kc.origin += ":";
  kc.origin += origin;
  return {};
}

// Reads `<key>-data` (base64) or the file named by `<key>`; "" if neither is set.
Result<std::string> DataOrFile(const Entry& e, const std::string& key, std::string_view origin) {
  std::string data = Str(e.node, (key + "-data").c_str());
  if (!data.empty()) {
    bool ok = false;
    std::string decoded = internal::Base64Decode(data, &ok);
    if (!ok) {
      return Error::Config(std::string(origin) + ": " + key +
                           "-data is not valid base64 (encode the PEM file with `base64 -w0`)");
    }
    return decoded;
  }
  std::string file = Str(e.node, key.c_str());
  if (file.empty()) return std::string();
  return ReadFile(ResolvePath(file, e.dir), key);
}

Result<ExecConfig> ParseExec(const Entry& user, std::string_view origin) {
  const YAML::Node n = user.node["exec"];
  ExecConfig exec;
  exec.api_version = Str(n, "apiVersion");
  exec.command = Str(n, "command");
  if (exec.command.empty()) {
    return Error::Config(std::string(origin) + ": users[].user.exec.command is required");
  }
  if (exec.command.find('/') != std::string::npos) exec.command = ResolvePath(exec.command, user.dir);
  if (exec.api_version.empty()) {
    return Error::Config(std::string(origin) +
                         ": users[].user.exec.apiVersion is required (client.authentication.k8s.io/v1)");
  }
  if (auto args = n["args"]; args && args.IsSequence()) {
    for (const auto& a : args) exec.args.push_back(a.as<std::string>());
  }
  if (auto env = n["env"]; env && env.IsSequence()) {
    for (const auto& e : env) exec.env.emplace_back(Str(e, "name"), Str(e, "value"));
  }
  exec.install_hint = Str(n, "installHint");
  exec.provide_cluster_info = n["provideClusterInfo"] && n["provideClusterInfo"].as<bool>();
  exec.interactive_mode = Str(n, "interactiveMode");
  if (exec.interactive_mode == "Always") {
    return Error::Config(std::string(origin) + ": exec plugin \"" + exec.command +
                         "\" has interactiveMode Always, but the operator has no terminal; "
                         "configure a non-interactive credential");
  }
  return exec;
}

Status ApplyCluster(const Entry& cluster, std::string_view origin, Config& cfg) {
  cfg.server = Str(cluster.node, "server");
  if (cfg.server.empty()) {
    return Error::Config(std::string(origin) + ": clusters[].cluster.server is empty; set it to "
                         "the API server URL (https://host:port)");
  }
  auto ca = DataOrFile(cluster, "certificate-authority", origin);
  if (!ca.ok()) return ca.error();
  cfg.ca_pem = std::move(*ca);
  if (auto v = cluster.node["insecure-skip-tls-verify"]) cfg.insecure_skip_tls_verify = v.as<bool>();
  cfg.tls_server_name = Str(cluster.node, "tls-server-name");
  cfg.proxy_url = Str(cluster.node, "proxy-url");
  if (!cfg.proxy_url.empty() && cfg.proxy_url.rfind("http://", 0) != 0) {
    return Error::Config(std::string(origin) + ": clusters[].cluster.proxy-url \"" + cfg.proxy_url +
                         "\" is not supported; use an http:// proxy (CONNECT)");
  }
  return {};
}

Status ApplyUser(const Entry& user, std::string_view origin, Config& cfg) {
  cfg.bearer_token = Str(user.node, "token");
  std::string token_file = Str(user.node, "tokenFile");
  if (!token_file.empty()) cfg.bearer_token_file = ResolvePath(token_file, user.dir);
  auto cert = DataOrFile(user, "client-certificate", origin);
  if (!cert.ok()) return cert.error();
  auto key = DataOrFile(user, "client-key", origin);
  if (!key.ok()) return key.error();
  if (cert->empty() != key->empty()) {
    return Error::Config(std::string(origin) +
                         ": client-certificate and client-key must be given together");
  }
  cfg.client_cert_pem = std::move(*cert);
  cfg.client_key_pem = std::move(*key);
  if (user.node["exec"]) {
    auto exec = ParseExec(user, origin);
    if (!exec.ok()) return exec.error();
    cfg.exec = std::move(*exec);
  }
  if (user.node["auth-provider"]) {
    return Error::Config(std::string(origin) + ": users[].user.auth-provider is not supported "
                         "(removed from kubectl 1.26); use an exec plugin instead");
  }
  return {};
}

Result<Config> Resolve(const Kubeconfig& kc, std::string_view context_flag) {
  std::string ctx_name = context_flag.empty() ? kc.current_context : std::string(context_flag);
  if (ctx_name.empty()) {
    return Error::Config(kc.origin + ": no current-context; pass --context or run "
                         "`kubectl config use-context NAME`");
  }
  auto ctx = kc.contexts.find(ctx_name);
  if (ctx == kc.contexts.end()) {
    return Error::Config(kc.origin + ": context \"" + ctx_name + "\" not found");
  }
  if (!ctx->second.node.IsMap()) {
    return Error::Config(kc.origin + ": contexts[].context of \"" + ctx_name +
                         "\" must be a map with cluster and user");
  }
  std::string cluster_name = Str(ctx->second.node, "cluster");
  std::string user_name = Str(ctx->second.node, "user");
  auto cluster = kc.clusters.find(cluster_name);
  if (cluster == kc.clusters.end()) {
    return Error::Config(kc.origin + ": cluster \"" + cluster_name + "\" of context \"" +
                         ctx_name + "\" not found");
  }
  Config cfg;
  cfg.source = "kubeconfig " + kc.origin + " (context " + ctx_name + ")";
  try {
    if (auto s = ApplyCluster(cluster->second, kc.origin, cfg); !s) return s.error();
    if (!user_name.empty()) {
      auto user = kc.users.find(user_name);
      if (user == kc.users.end()) {
        return Error::Config(kc.origin + ": user \"" + user_name + "\" of context \"" + ctx_name +
                             "\" not found");
      }
      if (auto s = ApplyUser(user->second, kc.origin, cfg); !s) return s.error();
    }
  } catch (const YAML::Exception& e) {
    return Error::Config(kc.origin + ": " + e.what());
  }
  std::string ns = Str(ctx->second.node, "namespace");
  if (!ns.empty()) cfg.default_namespace = ns;
  return cfg;
}

std::string HomeKubeconfig() {
  std::string home = EnvOr("HOME");
  return home.empty() ? std::string() : home + "/.kube/config";
}

}  // namespace

std::string DefaultUserAgent() { return std::string("ferry-operator/") + FERRY_VERSION; }

Result<Config> ParseKubeconfig(std::string_view yaml, std::string_view context,
                               std::string_view dir, std::string_view origin) {
  Kubeconfig kc;
  if (auto s = MergeYaml(yaml, dir, origin, kc); !s) return s.error();
  return Resolve(kc, context);
}

Result<Config> LoadKubeconfig(std::string_view path, std::string_view context) {
  std::string paths = !path.empty() ? std::string(path) : EnvOr("KUBECONFIG", HomeKubeconfig());
  if (paths.empty()) return Error::Config("no kubeconfig: set KUBECONFIG or HOME, or pass --kubeconfig");
  Kubeconfig kc;
  size_t start = 0;
  int loaded = 0;
  while (start <= paths.size()) {
    size_t end = paths.find(':', start);
    if (end == std::string::npos) end = paths.size();
    std::string file = paths.substr(start, end - start);
    start = end + 1;
    if (file.empty()) continue;
    // An explicit single path must exist; entries of a KUBECONFIG list may be missing.
    if (!FileExists(file) && (!path.empty() || paths.find(':') != std::string::npos)) {
      if (!path.empty()) return Error::Config("kubeconfig \"" + file + "\" does not exist");
      continue;
    }
    auto text = ReadFile(file, "kubeconfig");
    if (!text.ok()) return text.error();
    if (auto s = MergeYaml(*text, internal::DirName(file), file, kc); !s) return s.error();
    ++loaded;
  }
  if (loaded == 0) return Error::Config("no kubeconfig file found in \"" + paths + "\"");
  return Resolve(kc, context);
}

Result<Config> InClusterConfig() {
  std::string host = EnvOr("KUBERNETES_SERVICE_HOST");
  std::string port = EnvOr("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return Error::Config("not running in a cluster: KUBERNETES_SERVICE_HOST and "
                         "KUBERNETES_SERVICE_PORT must be set (or use --kubeconfig)");
  }
  std::string dir = EnvOr(std::string(kServiceAccountDirEnv).c_str(), std::string(kServiceAccountDir));
  Config cfg;
  bool ipv6 = host.find(':') != std::string::npos;
  cfg.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
  cfg.bearer_token_file = dir + "/token";
  // Fail early with a clear message if the token is not mounted (automountServiceAccountToken).
  if (auto t = ReadFile(cfg.bearer_token_file, "service-account token"); !t.ok()) return t.error();
  auto ca = ReadFile(dir + "/ca.crt", "service-account CA");
  if (!ca.ok()) return ca.error();
  cfg.ca_pem = std::move(*ca);
  if (auto ns = ReadFile(dir + "/namespace", "namespace"); ns.ok()) {
    std::string v = *ns;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    if (!v.empty()) cfg.default_namespace = v;
  }
  cfg.source = "in-cluster (" + dir + ")";
  return cfg;
}

Result<Config> LoadConfig(std::string_view kubeconfig_flag, std::string_view context_flag) {
  if (!kubeconfig_flag.empty()) return LoadKubeconfig(kubeconfig_flag, context_flag);
  if (!EnvOr("KUBECONFIG").empty()) return LoadKubeconfig("", context_flag);
  if (!EnvOr("KUBERNETES_SERVICE_HOST").empty() && context_flag.empty()) return InClusterConfig();
  std::string home = HomeKubeconfig();
  if (!home.empty() && FileExists(home)) return LoadKubeconfig(home, context_flag);
  return Error::Config("no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, "
                       "run in a pod, or create ~/.kube/config");
}

}  // namespace ferry::kube

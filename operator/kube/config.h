// Config: how to reach and authenticate to one API server, and where it comes from.
//
//   LoadConfig(flag, context)    the controller-runtime order: --kubeconfig flag, then the
//                                KUBECONFIG env var, then in-cluster, then ~/.kube/config.
//   LoadKubeconfig(path, ctx)    one kubeconfig file (YAML); "" = KUBECONFIG or ~/.kube/config.
//                                KUBECONFIG may list several files separated by ':'; the first
//                                file that defines a name wins, as in client-go.
//   InClusterConfig()            KUBERNETES_SERVICE_HOST/PORT plus the service-account files.
//
// Proxies: only a cluster's kubeconfig `proxy-url` is used; HTTPS_PROXY/NO_PROXY are not read
// (an in-cluster operator reaching its API server through a proxy by accident is worse).
//
// Credentials are kept as loaded (PEM text and token strings, never logged). The bearer token
// of a `tokenFile` (and of an in-cluster service account) is NOT captured here: the client
// re-reads the file whenever it changes, because bound service-account tokens rotate hourly.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operator/kube/errors.h"

namespace ferry::kube {

// client-go's defaults are 5 qps / burst 10; controller-runtime raises them to 20 / 30 for
// controllers, which is the workload Ferry is. Both are overridable with --qps / --burst.
inline constexpr double kDefaultQps = 20.0;
inline constexpr int kDefaultBurst = 30;
// Timeout of one non-watch request (connect + answer); watches are bounded by timeoutSeconds.
inline constexpr std::chrono::seconds kDefaultRequestTimeout{30};
inline constexpr std::string_view kDefaultNamespace = "default";
inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
// Environment variable that overrides kServiceAccountDir (tests, unusual mounts).
inline constexpr std::string_view kServiceAccountDirEnv = "FERRY_SERVICEACCOUNT_DIR";

// A client.authentication.k8s.io exec credential plugin (kubeconfig users[].user.exec).
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 (v1beta1 accepted as well)
  std::string command;      // resolved relative to the kubeconfig's directory if it has a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;        // shown when the command cannot be run
  bool provide_cluster_info = false;  // pass spec.cluster in KUBERNETES_EXEC_INFO
  std::string interactive_mode;    // Never | IfAvailable | Always; Ferry never has a terminal

  friend bool operator==(const ExecConfig&, const ExecConfig&) = default;
};

struct Config {
  std::string server;  // "https://host:port" (http:// accepted for local test servers)
  // TLS
  std::string ca_pem;               // trusted CA bundle; empty = the system store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;      // name to verify (and send as SNI) instead of the URL host
  std::string proxy_url;            // http://proxy:port (CONNECT tunnel); "" = direct
  std::string client_cert_pem;      // client certificate chain
  std::string client_key_pem;       // its private key
  // Authentication (at most one of token / token_file / exec is used, in that order)
  std::string bearer_token;
  std::string bearer_token_file;    // re-read when it changes
  std::optional<ExecConfig> exec;
  // Defaults for the client
  std::string default_namespace = std::string(kDefaultNamespace);
  std::string user_agent;           // "" = "ferry-operator/<version>"
  double qps = kDefaultQps;         // <= 0 disables client-side rate limiting
  int burst = kDefaultBurst;
  std::chrono::milliseconds timeout = kDefaultRequestTimeout;
  // Where this came from ("kubeconfig /path (context x)", "in-cluster"), for messages.
  std::string source;
};

// The default User-Agent: "ferry-operator/<FERRY_VERSION>".
std::string DefaultUserAgent();

// Loads `path` ("" = $KUBECONFIG, else ~/.kube/config) and resolves `context` ("" = the file's
// current-context). Relative file paths inside it are relative to the file's directory.
Result<Config> LoadKubeconfig(std::string_view path, std::string_view context);

// Parses kubeconfig YAML text; `dir` resolves relative paths, `origin` names it in errors.
Result<Config> ParseKubeconfig(std::string_view yaml, std::string_view context,
                               std::string_view dir, std::string_view origin);

// The in-cluster configuration of a pod. Reads the CA and namespace from the service-account
// directory ($FERRY_SERVICEACCOUNT_DIR or kServiceAccountDir) and sets bearer_token_file to
// its `token` file.
Result<Config> InClusterConfig();

// controller-runtime's GetConfig order: `kubeconfig_flag`, then $KUBECONFIG, then in-cluster
// (when KUBERNETES_SERVICE_HOST is set), then ~/.kube/config. `context_flag` picks a context.
Result<Config> LoadConfig(std::string_view kubeconfig_flag, std::string_view context_flag);

}  // namespace ferry::kube

// exec credential plugins (client.authentication.k8s.io/v1 ExecCredential): how EKS
// (aws eks get-token), GKE (gke-gcloud-auth-plugin) and AKS (kubelogin) users authenticate.
//
// The plugin is run with its args and env plus KUBERNETES_EXEC_INFO (an ExecCredential with
// spec.interactive=false and, if provideClusterInfo, spec.cluster). It prints an ExecCredential
// whose status holds a token or a client certificate/key, and optionally expirationTimestamp.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/kube/config.h"
#include "operator/kube/errors.h"

namespace ferry::kube {

// A plugin that prints nothing within this time is killed.
inline constexpr std::chrono::seconds kExecPluginTimeout{60};

struct ExecCredential {
  std::string token;
  std::string client_certificate_data;  // PEM
  std::string client_key_data;          // PEM
  std::optional<std::chrono::system_clock::time_point> expiration;  // none = valid until a 401
};

// The KUBERNETES_EXEC_INFO document for `exec` talking to the cluster of `config`.
nlohmann::json ExecInfo(const ExecConfig& exec, const Config& config);

// Decodes the plugin's stdout; checks apiVersion and kind and that status carries a token or
// a certificate/key pair.
Result<ExecCredential> ParseExecCredential(std::string_view output, std::string_view api_version);

// Runs the plugin (no shell; PATH lookup for a bare name) and returns its stdout. Its stderr
// is passed through to ours, as kubectl does. A non-zero exit, a timeout or a missing binary
// is a kConfig error naming the command and the install hint.
Result<std::string> RunExecPlugin(const ExecConfig& exec, const std::string& exec_info,
                                  std::chrono::milliseconds timeout = kExecPluginTimeout);

}  // namespace ferry::kube

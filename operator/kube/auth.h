// Authenticator: the credential attached to each request, kept fresh.
//
//  - static token: sent as is.
//  - token file (kubeconfig tokenFile, in-cluster service account): re-read whenever the
//    file's modification time or size changes (checked on every request with one stat, which
//    costs microseconds) and after every 401, so rotated bound tokens are picked up at once.
//  - exec plugin: run on first use, cached until expirationTimestamp (minus a small skew), run
//    again on expiry and after a 401. A plugin that returns a client certificate makes the
//    client install it in the transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "operator/base/clock.h"
#include "operator/kube/config.h"
#include "operator/kube/exec_credential.h"

namespace ferry::kube {

// Credentials from an exec plugin are refreshed this long before they expire.
inline constexpr std::chrono::seconds kExecExpirySkew{10};

class Authenticator {
 public:
  // The runner of exec plugins, replaceable in tests; defaults to RunExecPlugin.
  using ExecRunner = std::function<Result<std::string>(const ExecConfig&, const std::string&)>;

  Authenticator(const Config& config, Clock& clock, ExecRunner runner = {});

  // The value of the Authorization header ("Bearer ..."), "" when no token is configured.
  Result<std::string> Authorization();
  // A client certificate/key pair the plugin produced since the last call, if it changed.
  std::optional<std::pair<std::string, std::string>> TakeClientCertificate();
  // Called after a 401: drops cached credentials. Returns true if a retry may succeed
  // (something can be refreshed: a token file or an exec plugin).
  bool Invalidate();

  // Number of times the plugin ran (tests assert caching).
  int exec_runs() const { return exec_runs_; }

 private:
  Status RefreshTokenFileLocked(bool force);
  Status RunExecLocked();

  const Config config_;
  Clock& clock_;
  ExecRunner runner_;
  std::mutex mu_;
  std::string token_;
  // token file state
  bool file_loaded_ = false;
  int64_t file_mtime_ns_ = 0;
  int64_t file_size_ = -1;
  // exec state
  bool exec_valid_ = false;
  std::optional<std::chrono::system_clock::time_point> exec_expiry_;
  std::optional<std::pair<std::string, std::string>> pending_cert_;
  std::string cert_pem_;
  int exec_runs_ = 0;
};

}  // namespace ferry::kube

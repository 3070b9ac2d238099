#include "operator/kube/auth.h"

#include <sys/stat.h>

#include "operator/kube/file_util.h"

namespace ferry::kube {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Authenticator::Authenticator(const Config& config, Clock& clock, ExecRunner runner)
    : config_(config), clock_(clock), runner_(std::move(runner)) {
  if (!runner_) {
    runner_ = [](const ExecConfig& exec, const std::string& info) {
      return RunExecPlugin(exec, info);
    };
  }
  token_ = config_.bearer_token;
}

Status Authenticator::RefreshTokenFileLocked(bool force) {
  struct stat st {};
  if (::stat(config_.bearer_token_file.c_str(), &st) != 0) {
    // Keep using the last token if the file vanished for a moment during an atomic swap
    // (kubelet replaces the ..data symlink); fail only if we never had one.
    if (file_loaded_) return {};
    return Error::Config("cannot read token file \"" + config_.bearer_token_file + "\"");
  }
  int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (!force && file_loaded_ && mtime == file_mtime_ns_ && st.st_size == file_size_) return {};
  auto text = internal::ReadFile(config_.bearer_token_file, "token");
  if (!text.ok()) return file_loaded_ ? Status() : Status(text.error());
  token_ = Trim(std::move(*text));
  file_loaded_ = true;
  file_mtime_ns_ = mtime;
  file_size_ = st.st_size;
  return {};
}

Status Authenticator::RunExecLocked() {
  ++exec_runs_;
  auto out = runner_(*config_.exec, ExecInfo(*config_.exec, config_).dump());
  if (!out.ok()) return out.error();
  auto cred = ParseExecCredential(*out, config_.exec->api_version);
  if (!cred.ok()) return cred.error();
  token_ = cred->token;
  exec_expiry_ = cred->expiration;
  exec_valid_ = true;
  if (!cred->client_certificate_data.empty() && cred->client_certificate_data != cert_pem_) {
    cert_pem_ = cred->client_certificate_data;
    pending_cert_ = std::make_pair(cred->client_certificate_data, cred->client_key_data);
  }
  return {};
}

Result<std::string> Authenticator::Authorization() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_.bearer_token.empty()) {
    // A static token wins, as in client-go.
  } else if (!config_.bearer_token_file.empty()) {
    if (auto s = RefreshTokenFileLocked(false); !s) return s.error();
  } else if (config_.exec) {
    bool expired = exec_expiry_ && clock_.WallNow() + kExecExpirySkew >= *exec_expiry_;
    if (!exec_valid_ || expired) {
      if (auto s = RunExecLocked(); !s) return s.error();
    }
  }
  if (token_.empty()) return std::string();
  return "Bearer " + token_;
}

std::optional<std::pair<std::string, std::string>> Authenticator::TakeClientCertificate() {
  std::lock_guard<std::mutex> lock(mu_);
  auto out = std::move(pending_cert_);
  pending_cert_.reset();
  return out;
}

bool Authenticator::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_.bearer_token.empty()) return false;
  if (!config_.bearer_token_file.empty()) {
    std::string before = token_;
    (void)RefreshTokenFileLocked(true);
    return token_ != before;
  }
  if (config_.exec) {
    exec_valid_ = false;
    return true;
  }
  return false;
}

}  // namespace ferry::kube

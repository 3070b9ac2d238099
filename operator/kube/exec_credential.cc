#include "operator/kube/exec_credential.h"

#include "operator/base/json.h"
#include "operator/base/rfc3339.h"
#include "operator/kube/file_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

extern char** environ;

namespace ferry::kube {
namespace {

constexpr std::string_view kExecKind = "ExecCredential";

std::string Hint(const ExecConfig& exec) {
  return exec.install_hint.empty() ? std::string() : "\n" + exec.install_hint;
}

// The child's environment: ours, then the plugin's env entries, then KUBERNETES_EXEC_INFO.
std::vector<std::string> ChildEnv(const ExecConfig& exec, const std::string& info) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  auto set = [&](const std::string& k, const std::string& v) {
    for (auto& entry : env) {
      if (entry.compare(0, k.size() + 1, k + "=") == 0) {
        entry = k + "=" + v;
        return;
      }
    }
    env.push_back(k + "=" + v);
  };
  for (const auto& [k, v] : exec.env) set(k, v);
  set("KUBERNETES_EXEC_INFO", info);
  return env;
}

// Reads the child's stdout until EOF or the deadline; false on timeout.
bool ReadAll(int fd, std::chrono::milliseconds timeout, std::string& out) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

nlohmann::json ExecInfo(const ExecConfig& exec, const Config& config) {
  nlohmann::json spec = {{"interactive", false}};
  if (exec.provide_cluster_info) {
    nlohmann::json cluster = {{"server", config.server}};
    if (!config.tls_server_name.empty()) cluster["tls-server-name"] = config.tls_server_name;
    if (config.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!config.ca_pem.empty()) {
      // certificate-authority-data is base64 in the API; encode the PEM.
      cluster["certificate-authority-data"] = internal::Base64Encode(config.ca_pem);
    }
    spec["cluster"] = cluster;
  }
  return {{"apiVersion", exec.api_version}, {"kind", kExecKind}, {"spec", spec}};
}

Result<ExecCredential> ParseExecCredential(std::string_view output, std::string_view api_version) {
  auto parsed = ParseJson(output);
  if (!parsed || !parsed->is_object()) {
    return Error::Config("exec plugin printed no ExecCredential JSON on stdout" +
                         (parsed ? std::string() : " (" + parsed.error().message + ")"));
  }
  const nlohmann::json& doc = *parsed;
  if (StringField(doc, "kind") != kExecKind) {
    return Error::Config("exec plugin output has kind \"" + StringField(doc, "kind") +
                         "\", want ExecCredential");
  }
  if (StringField(doc, "apiVersion") != api_version) {
    return Error::Config("exec plugin answered apiVersion \"" + StringField(doc, "apiVersion") +
                         "\" but was asked for \"" + std::string(api_version) + "\"");
  }
  const nlohmann::json status = doc.contains("status") ? doc.at("status") : nlohmann::json();
  ExecCredential cred;
  cred.token = StringField(status, "token");
  cred.client_certificate_data = StringField(status, "clientCertificateData");
  cred.client_key_data = StringField(status, "clientKeyData");
  if (cred.client_certificate_data.empty() != cred.client_key_data.empty()) {
    return Error::Config("exec plugin returned only one of clientCertificateData/clientKeyData");
  }
  if (cred.token.empty() && cred.client_certificate_data.empty()) {
    return Error::Config("exec plugin returned neither status.token nor a client certificate");
  }
  if (auto ts = StringField(status, "expirationTimestamp"); !ts.empty()) {
    cred.expiration = ParseRfc3339(ts);
    if (!cred.expiration) {
      return Error::Config("exec plugin returned an invalid expirationTimestamp \"" + ts + "\"");
    }
  }
  return cred;
}

Result<std::string> RunExecPlugin(const ExecConfig& exec, const std::string& exec_info,
                                  std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::Config(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> args{exec.command};
  args.insert(args.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env = ChildEnv(exec, exec_info);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, exec.command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Error::Config("exec plugin \"" + exec.command + "\" could not be run: " +
                         std::strerror(rc) + Hint(exec));
  }
  std::string out;
  bool finished = ReadAll(fds[0], timeout, out);
  ::close(fds[0]);
  if (!finished) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    return Error::Config("exec plugin \"" + exec.command + "\" did not finish within " +
                         std::to_string(timeout.count()) + " ms");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return Error::Config("exec plugin \"" + exec.command + "\" failed with exit code " +
                         std::to_string(code) + Hint(exec));
  }
  return out;
}

}  // namespace ferry::kube

#include "tests/analysis/prometheus_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "operator/kube/http/transport.h"

extern char** environ;

namespace ferry::analysis::testing {

namespace kt = ferry::kube::testing;
using namespace std::chrono_literals;

// Ask the OS for a free port and hand it over. Another process may take it in between; Start
// retries with a new one.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

PrometheusServer::PrometheusServer(const kt::TempDir& dir, const std::string& scrape_target)
    : dir_(dir) {
  dir.Write("prometheus.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                              "scrape_configs:\n  - job_name: ferry-test\n"
                              "    static_configs:\n      - targets: ['" + scrape_target +
                              "']\n");
}

PrometheusServer::~PrometheusServer() { Stop(); }

std::string PrometheusServer::Log() const { return kt::ReadText(dir_.File("prometheus.log")); }

bool PrometheusServer::Start(std::chrono::seconds timeout) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreePort();
    if (port_ == 0 || !Spawn()) continue;
    if (WaitReady(timeout)) return true;
    Stop();
  }
  return false;
}

void PrometheusServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  pid_ = -1;
}

bool PrometheusServer::Spawn() {
  const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
  const std::string config = "--config.file=" + dir_.File("prometheus.yml");
  const std::string storage = "--storage.tsdb.path=" + dir_.File("data-" + std::to_string(port_));
  std::vector<std::string> args = {"prometheus", listen, config, storage, "--log.level=warn"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string log = dir_.File("prometheus.log");
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  const int rc = posix_spawnp(&pid_, "prometheus", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0;
}

bool PrometheusServer::WaitReady(std::chrono::seconds timeout) {
  auto transport = kube::http::NewTransport({.server = Url(), .timeout = 2000ms});
  if (!transport) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {  // exited: port taken, bad flags, ...
      pid_ = -1;
      return false;
    }
    auto resp = (*transport)->Send({.method = "GET", .path_and_query = "/-/ready"});
    if (resp.ok() && resp->status == 200) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace ferry::analysis::testing

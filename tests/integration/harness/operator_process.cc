// Operator (harness.h): the real ferry-operator binary as a child process.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "sim_client.h"
#include "tests/integration/harness/harness.h"

namespace ferry::itest {
namespace {

// Log message the manager writes once its endpoints listen (runtime/manager/manager.cc).
constexpr const char* kServingEndpoints = "serving endpoints";

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Operator::Operator(std::string kubeconfig, OperatorOptions options)
    : kubeconfig_(std::move(kubeconfig)), options_(std::move(options)) {
  EnsureEnvironment();
}

Operator::~Operator() {
  Kill();
  if (reader_.joinable()) reader_.join();
}

Status Operator::Start() {
  std::unique_lock lock(mu_);
  if (pid_ > 0) return Error{"ferry-operator is already running"};
  lock.unlock();
  if (reader_.joinable()) reader_.join();  // the previous run's reader ends at its EOF
  lock.lock();
  std::string bin = BinaryDir() + "/operator/cmd/ferry-operator";
  std::vector<std::string> args = {bin,
                                   "--kubeconfig=" + kubeconfig_,
                                   "--metrics-bind-address=127.0.0.1:0",
                                   "--health-probe-bind-address=127.0.0.1:0",
                                   "--webhook-bind-address=127.0.0.1:0",
                                   "--log-format=json",
                                   "--log-level=" + options_.log_level};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  // Built before fork: the child of a multithreaded process may only make async-signal-safe
  // calls, and an allocation there hangs for good if another thread held the heap's lock.
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Error{"pipe failed"};
  int pid = fork();
  if (pid < 0) return Error{"fork failed"};
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  ::close(fds[1]);
  pid_ = pid;
  exit_code_.reset();
  metrics_port_ = health_port_ = 0;
  int run = ++run_;
  reader_ = std::thread([this, fd = fds[0], run] { ReadLoop(fd, run); });
  bool up = cv_.wait_for(lock, kStartTimeout,
                         [&] { return metrics_port_ > 0 || pid_ != pid; });
  if (metrics_port_ > 0) return {};
  return Error{std::string(up ? "ferry-operator exited" : "ferry-operator stayed silent") +
               " before serving its endpoints; log:\n" + text_};
}

void Operator::ReadLoop(int fd, int run) {
  std::string pending;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      json j = json::parse(line, nullptr, false);
      if (!j.is_object()) j = {{"msg", line}, {"raw", true}};
      j["_run"] = run;
      std::lock_guard g(mu_);
      text_ += "[" + std::to_string(run) + "] " + line + "\n";
      if (j.value("msg", "") == kServingEndpoints) {
        metrics_port_ = j.value("metricsPort", 0);
        health_port_ = j.value("healthPort", 0);
      }
      logs_.push_back(std::move(j));
      cv_.notify_all();
    }
  }
  ::close(fd);
  // EOF: the process exited (or closed its output); reap it unless someone else did.
  std::lock_guard g(mu_);
  if (pid_ > 0 && run == run_) {
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) Reap(status);
  }
  cv_.notify_all();
}

void Operator::Reap(int status) {  // mu_ held
  exit_code_ = ExitCode(status);
  pid_ = -1;
  cv_.notify_all();
}

bool Operator::WaitReady(Millis timeout) {
  return Eventually(
      [&] {
        int port = health_port();
        if (port <= 0 || !running()) return false;
        return simtest::HttpClient(port).get("/readyz").status == 200;
      },
      timeout);
}

void Operator::Signal(int signal) {
  std::lock_guard g(mu_);
  if (pid_ > 0) ::kill(pid_, signal);
}

std::optional<int> Operator::WaitExit(Millis timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return pid_ <= 0; })) return std::nullopt;
  return exit_code_;
}

int Operator::Terminate(Millis timeout) {
  Signal(SIGTERM);
  return WaitExit(timeout).value_or(-1);
}

void Operator::Kill() {
  std::unique_lock lock(mu_);
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  if (waitpid(pid_, &status, 0) == pid_) Reap(status);
}

bool Operator::running() const {
  std::lock_guard g(mu_);
  return pid_ > 0;
}

int Operator::runs() const {
  std::lock_guard g(mu_);
  return run_;
}

int Operator::metrics_port() const {
  std::lock_guard g(mu_);
  return metrics_port_;
}

int Operator::health_port() const {
  std::lock_guard g(mu_);
  return health_port_;
}

std::string Operator::Metrics() {
  int port = metrics_port();
  if (port <= 0) return "";
  auto r = simtest::HttpClient(port).get("/metrics");
  return r.status == 200 ? r.body : "";
}

std::optional<double> Operator::MetricValue(const std::string& series) {
  std::istringstream in(Metrics());
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

std::vector<json> Operator::Logs() const {
  std::lock_guard g(mu_);
  return logs_;
}

std::optional<json> Operator::WaitForLog(const std::function<bool(const json&)>& pred,
                                         Millis timeout) {
  std::unique_lock lock(mu_);
  size_t checked = 0;
  std::optional<json> found;
  cv_.wait_for(lock, timeout, [&] {
    for (; checked < logs_.size(); ++checked) {
      if (pred(logs_[checked])) {
        found = logs_[checked];
        return true;
      }
    }
    return false;
  });
  return found;
}

std::vector<json> Operator::ErrorLogs() const {
  std::vector<json> out;
  std::lock_guard g(mu_);
  for (const auto& l : logs_) {
    if (l.value("level", "") == "error") out.push_back(l);
  }
  return out;
}

std::string Operator::LogText() const {
  std::lock_guard g(mu_);
  return text_;
}

}  // namespace ferry::itest

// The real ferry-operator binary as a child process of a benchmark: started with the flags a
// benchmark chooses (endpoints on 127.0.0.1 port 0), its ports read from its "serving endpoints"
// log line, /readyz polled, and what only the process itself knows read from /proc (VmRSS,
// VmHWM, utime + stime) and from its /metrics (the client's request counters, the release
// workqueue and reconcile counters). Header-only; POSIX only. Benchmarks only.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/raw_http.h"
#include "bench/common/sim_process.h"

namespace ferry::bench {

// One sample of the client request counters (ferry_rest_client_requests_total), summed over
// codes: by verb ("get", "list", "watch", "create", "update", "patch", "delete") and by
// "verb resource" ("update releases/status").
struct RequestCounts {
  std::map<std::string, double> by_verb;
  std::map<std::string, double> by_verb_resource;

  double Verb(const std::string& v) const {
    auto it = by_verb.find(v);
    return it == by_verb.end() ? 0 : it->second;
  }
  // Everything but get, list and watch: create, update, patch, apply, delete.
  double Writes() const { return Total() - Reads() - Verb("watch"); }
  double Reads() const { return Verb("get") + Verb("list"); }  // watches are counted apart
  double Total() const {
    double t = 0;
    for (const auto& [v, n] : by_verb) t += n;
    return t;
  }
  // this - earlier, entry by entry.
  RequestCounts Minus(const RequestCounts& earlier) const {
    RequestCounts d = *this;
    for (const auto& [k, n] : earlier.by_verb) d.by_verb[k] -= n;
    for (const auto& [k, n] : earlier.by_verb_resource) d.by_verb_resource[k] -= n;
    return d;
  }
};

// The value of label `label` in a Prometheus sample line's label set ("" when absent).
inline std::string LabelValue(const std::string& line, const std::string& label) {
  size_t at = line.find(label + "=\"");
  if (at == std::string::npos) return "";
  at += label.size() + 2;
  return line.substr(at, line.find('"', at) - at);
}

// Sum of the samples of metric `name` (exact name, any labels) whose labels contain `filter`
// (e.g. "name=\"release\""; "" = all) in a /metrics text.
inline double MetricSum(const std::string& text, const std::string& name, const std::string& filter = "") {
  std::istringstream in(text);
  double sum = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    if (!filter.empty() && line.find(filter) == std::string::npos) continue;
    sum += std::atof(line.c_str() + line.rfind(' ') + 1);
  }
  return sum;
}

inline RequestCounts ParseRequestCounts(const std::string& text) {
  RequestCounts c;
  const std::string name = "ferry_rest_client_requests_total{";
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0) continue;
    double v = std::atof(line.c_str() + line.rfind(' ') + 1);
    std::string verb = LabelValue(line, "verb");
    c.by_verb[verb] += v;
    c.by_verb_resource[verb + " " + LabelValue(line, "resource")] += v;
  }
  return c;
}

// User + system CPU seconds process `pid` has used (/proc/<pid>/stat utime + stime); 0 when
// unknown.
inline double CpuSecondsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = all.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(all.substr(paren + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f && i <= 15; ++i) {  // field 3 is the state; 14 utime, 15 stime
    if (i >= 14) ticks += std::atof(f.c_str());
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

class OperatorProcess {
 public:
  OperatorProcess() = default;
  ~OperatorProcess() { Stop(); }
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  // Starts `binary` with the kubeconfig, endpoints on port 0, JSON logs to `log` and `extra`
  // flags; waits up to 30 s for its endpoints. False with `error` set on failure.
  bool Start(const std::string& binary, const std::string& kubeconfig, const std::string& log,
             const std::vector<std::string>& extra, std::string* error) {
    std::vector<std::string> argv = {binary,
                                     "--kubeconfig=" + kubeconfig,
                                     "--metrics-bind-address=127.0.0.1:0",
                                     "--health-probe-bind-address=127.0.0.1:0",
                                     "--webhook-bind-address=127.0.0.1:0",
                                     "--log-format=json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    log_ = log;
    started_ = std::chrono::steady_clock::now();
    pid_ = SimProcess::Spawn(argv, log);
    if (pid_ <= 0) {
      *error = "cannot start " + binary;
      return false;
    }
    for (int i = 0; i < 3000; ++i) {
      if (ReadPorts()) return true;
      if (Exited()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    *error = "ferry-operator did not serve its endpoints (log: " + log + ")";
    return false;
  }

  // Polls /readyz every 10 ms until 200; returns the seconds from Start, or -1 on timeout.
  double WaitReady(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && !Exited()) {
      RawHttp http(health_port_);
      if (http.Do("GET", "/readyz") == 200) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  std::string Metrics() const {
    RawHttp http(metrics_port_);
    return http.Do("GET", "/metrics") == 200 ? http.body() : "";
  }
  RequestCounts Requests() const { return ParseRequestCounts(Metrics()); }

  // VmRSS / VmHWM (peak) in MiB.
  double RssMiB() const { return StatusField("VmRSS:"); }
  double PeakMiB() const { return StatusField("VmHWM:"); }

  // User + system CPU seconds the process has used.
  double CpuSeconds() const { return CpuSecondsOf(pid_); }

  // Waits until the release controller has reconciled at least `min_reconciles` times, its
  // queue is empty and no request was sent for `quiet` (watches aside). Returns the seconds until
  // the later of the last request and the first poll (every 100 ms) that saw the reconciles done
  // with an empty queue, or -1 after `timeout`.
  double WaitSettled(double min_reconciles, std::chrono::milliseconds quiet, std::chrono::seconds timeout) {
    const auto t0 = std::chrono::steady_clock::now();
    double last_total = -1;
    auto last_change = t0;
    std::optional<std::chrono::steady_clock::time_point> done_at;
    while (std::chrono::steady_clock::now() - t0 < timeout && !Exited()) {
      const std::string m = Metrics();
      const double reconciles = MetricSum(m, "ferry_reconcile_total", "controller=\"release\"");
      const double depth = MetricSum(m, "ferry_workqueue_depth", "name=\"release\"");
      const RequestCounts c = ParseRequestCounts(m);
      const double total = c.Total() - c.Verb("watch");
      const auto now = std::chrono::steady_clock::now();
      const bool done = reconciles >= min_reconciles && depth == 0;
      if (!done) done_at.reset();
      else if (!done_at) done_at = now;
      if (total != last_total) {
        last_total = total;
        last_change = now;
      } else if (done && now - last_change >= quiet) {
        return std::chrono::duration<double>(std::max(last_change, *done_at) - t0).count();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }

  // SIGTERM, then waits for the exit (SIGKILL after 60 s).
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 6000 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (i == 5999) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    pid_ = -1;
  }

  pid_t pid() const { return pid_; }
  int metrics_port() const { return metrics_port_; }

 private:
  // True once the process is gone (reaped here, so Stop never signals a recycled pid).
  bool Exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return false;
    pid_ = -1;
    return true;
  }

  // Finds {"msg":"serving endpoints",...,"metricsPort":N,"healthPort":N} in the log.
  bool ReadPorts() {
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"serving endpoints\"") == std::string::npos) continue;
      metrics_port_ = IntField(line, "\"metricsPort\":");
      health_port_ = IntField(line, "\"healthPort\":");
      return metrics_port_ > 0 && health_port_ > 0;
    }
    return false;
  }

  static int IntField(const std::string& line, const std::string& key) {
    size_t at = line.find(key);
    return at == std::string::npos ? 0 : std::atoi(line.c_str() + at + key.size());
  }

  double StatusField(const std::string& key) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + key.size()) / 1024.0;
    }
    return 0;
  }

  pid_t pid_ = -1;
  int metrics_port_ = 0, health_port_ = 0;
  std::string log_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace ferry::bench

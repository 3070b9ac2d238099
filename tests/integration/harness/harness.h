// Integration-test harness: the real kube-sim and the real ferry-operator binaries, talking over
// sockets as they would in a cluster.
//
//   Cluster   kube-sim on 127.0.0.1:0 with a kubeconfig in a fresh temporary folder, the CRDs of
//             crds/ created and Established, and a test-side kube::Client (no rate limit).
//   Operator  FERRY_BINARY_DIR/operator/cmd/ferry-operator with --kubeconfig and both endpoints
//             on 127.0.0.1:0 (the ports are read from its "serving endpoints" log line); every
//             JSON log line it writes is kept and can be waited for; SIGTERM, SIGKILL, restart.
//   Eventually  bounded polling (never fixed sleeps): the predicate is re-checked every
//             `poll` until it holds or `timeout` passes.
//   MinMonitor  a background poller that records the minimum of a numeric field of an object
//             (e.g. the stable Deployment's status.availableReplicas) for the whole test.
//
// IntegrationTest is a GoogleTest fixture: SetUp starts a cluster (fresh per test, so tests run
// in parallel without sharing state); tests start the operator when they want it; TearDown
// prints the operator's log when the test failed.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/client.h"

namespace simtest {
class SimProcess;
}

namespace ferry::itest {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// Polling defaults: generous bounds for a loaded 2-core machine; a passing test returns as soon
// as its condition holds.
inline constexpr Millis kDefaultTimeout = 30s;
inline constexpr Millis kDefaultPoll = 50ms;
// How long to wait for a process to print its first line / to exit after SIGTERM.
inline constexpr Millis kStartTimeout = 20s;
inline constexpr Millis kStopTimeout = 40s;
// kube-sim's default makes pods Ready 0.2 s after they run; tests keep it short.
inline constexpr double kDefaultPodReadyDelaySeconds = 0.2;

// Sets $FERRY_SOURCE_DIR / $FERRY_BINARY_DIR to this build's folders unless already set
// (Cluster and Operator call it; kube-sim is found through them).
void EnsureEnvironment();
// $FERRY_SOURCE_DIR / $FERRY_BINARY_DIR.
std::string SourceDir();
std::string BinaryDir();

// Re-checks `pred` every `poll` until it returns true (-> true) or `timeout` passes (-> false,
// after one last check).
bool Eventually(const std::function<bool()>& pred, Millis timeout = kDefaultTimeout,
                Millis poll = kDefaultPoll);

// The value at `pointer` ("/status/availableReplicas") of `obj`, or nullopt when absent or
// not a number.
std::optional<int64_t> IntAt(const json& obj, const std::string& pointer);
std::string StringAt(const json& obj, const std::string& pointer);

// A Deployment for Ferry to roll out: `replicas` pods of container "app" running `image`,
// labelled app=<name>, with maxUnavailable 0 / maxSurge 1 so its own rolling update (at
// promotion) keeps every replica available.
json RollableDeployment(const std::string& ns, const std::string& name, int replicas,
                        const std::string& image);

struct ClusterOptions {
  double pod_ready_delay_seconds = kDefaultPodReadyDelaySeconds;
  std::vector<std::string> extra_args;  // more kube-sim flags
  bool install_crds = true;
};

// kube-sim plus a test-side client. Killed (SIGKILL) on destruction; the temp folder removed.
class Cluster {
 public:
  explicit Cluster(ClusterOptions options = {});
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // False (with error()) when kube-sim did not start or the CRDs were not established.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& url() const;
  int port() const;
  // A folder for the test's files, removed with the cluster.
  const std::string& temp_dir() const { return dir_; }
  kube::Client& client() { return *client_; }

  // Creates every CRD of crds/*.yaml and waits until each is Established and served.
  Status InstallCrds();
  // Creates namespace `name` (AlreadyExists is fine).
  Status CreateNamespace(const std::string& name);
  // Server-side apply with field manager "itest" (force): creates or updates `obj`.
  kube::Result<json> Apply(const kube::ResourceRef& ref, const json& obj);
  // Get that returns nullopt for NotFound and for any error.
  std::optional<json> Find(const kube::ResourceRef& ref, const std::string& ns,
                           const std::string& name);
  // Merge patch of metadata.annotations (value null removes the key).
  kube::Result<json> Annotate(const kube::ResourceRef& ref, const std::string& ns,
                              const std::string& name, const json& annotations);
  // core/v1 Events whose involvedObject is `name` (any kind), oldest first.
  std::vector<json> EventsFor(const std::string& ns, const std::string& name);
  // kube-sim answers the next `count` API requests whose path starts with `path_prefix` with
  // `code` (POST /sim/faults); ClearFaults ends that early.
  Status FailRequests(const std::string& path_prefix, int count, int code = 500);
  Status ClearFaults();

 private:
  std::string dir_;
  std::string kubeconfig_;
  std::string error_;
  std::unique_ptr<simtest::SimProcess> sim_;
  std::unique_ptr<kube::Client> client_;
};

struct OperatorOptions {
  std::vector<std::string> extra_args;  // e.g. {"--namespace=ns", "--workers=4"}
  std::string log_level = "debug";
};

// One ferry-operator process at a time; Start() again after it exited runs a new one with the
// same options (a restart). Log lines are kept across restarts, each tagged with its run number.
class Operator {
 public:
  Operator(std::string kubeconfig, OperatorOptions options = {});
  ~Operator();  // SIGKILL if still running
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  // Starts the binary and waits for its "serving endpoints" line (ports known). An error when
  // it exits or stays silent for kStartTimeout.
  Status Start();
  // Waits until /readyz answers 200 (caches synced; controllers start right after).
  bool WaitReady(Millis timeout = kDefaultTimeout);
  // SIGTERM and wait: the exit code (128+signal when killed by a signal, -1 on timeout).
  int Terminate(Millis timeout = kStopTimeout);
  // SIGKILL and reap, as a node failure would.
  void Kill();
  // Sends `signal` without waiting.
  void Signal(int signal);
  // Waits for the process to exit by itself; the exit code, or nullopt on timeout.
  std::optional<int> WaitExit(Millis timeout);
  bool running() const;
  int runs() const;  // how many times Start() launched the binary

  int metrics_port() const;
  int health_port() const;
  // GET /metrics (empty string when unreachable).
  std::string Metrics();
  // One sample's value from Metrics(): `name{labels}` exactly as exposed, e.g.
  // R"(ferry_release_promotions_total{namespace="a",release="b"})"; nullopt if absent.
  std::optional<double> MetricValue(const std::string& series);

  // Every log line so far (JSON objects; a non-JSON line becomes {"msg": <line>, "raw": true};
  // each gets "_run": the run number).
  std::vector<json> Logs() const;
  // Waits for a log line (of any run) matching `pred`; returns it.
  std::optional<json> WaitForLog(const std::function<bool(const json&)>& pred,
                                 Millis timeout = kDefaultTimeout);
  // Log lines of level "error" (the operator should have none in a clean scenario).
  std::vector<json> ErrorLogs() const;
  // The raw log text, for failure messages.
  std::string LogText() const;

 private:
  void ReadLoop(int fd, int run);
  void Reap(int status);

  const std::string kubeconfig_;
  const OperatorOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int pid_ = -1;
  int run_ = 0;
  std::optional<int> exit_code_;
  int metrics_port_ = 0;
  int health_port_ = 0;
  std::vector<json> logs_;
  std::string text_;
  std::thread reader_;
};

// Polls `ref` ns/name every `poll` in a background thread and keeps the minimum of the integer
// at `pointer` (absent counts as 0) plus every distinct value seen. Start it once the object
// reached its start value; Stop() (or destruction) ends the polling.
class MinMonitor {
 public:
  MinMonitor(kube::Client& client, kube::ResourceRef ref, std::string ns, std::string name,
             std::string pointer, Millis poll = 25ms);
  ~MinMonitor();
  void Stop();
  int64_t min() const;
  int64_t samples() const;

 private:
  kube::Client& client_;
  const kube::ResourceRef ref_;
  const std::string ns_, name_, pointer_;
  const Millis poll_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int64_t min_ = INT64_MAX;
  int64_t samples_ = 0;
  std::thread thread_;
};

// Fixture: a fresh Cluster per test (ASSERTs it started); operator() starts the operator on it
// on first use. TearDown prints the operator's log when the test failed.
class IntegrationTest : public ::testing::Test {
 protected:
  // Override to change the cluster (e.g. a longer pod-ready delay).
  virtual ClusterOptions ClusterOpts() const { return {}; }
  virtual OperatorOptions OperatorOpts() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  Cluster& cluster() { return *cluster_; }
  kube::Client& client() { return cluster_->client(); }
  // Starts the operator (once) and waits until it is ready; ADD_FAILUREs if it cannot.
  Operator& StartOperator();
  Operator* op() { return operator_.get(); }

 private:
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<Operator> operator_;
};

}  // namespace ferry::itest

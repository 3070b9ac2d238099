// ferry-operator throughput: N Releases get a new version at once; how long until every one is
// at its first step (status.canary.version is the new version and status.currentStepIndex set,
// i.e. its canary exists and its status says so), against the simulator's raw write capacity
// measured by a plain client in the same run. Goal: with unlimited --qps the operator reaches at
// least 80% of the raw capacity.
//
// Raw capacity: --writers keep-alive sockets (bench/common/raw_http.h: no client library, no
// rate limit) do the writes the operator does for a Release, for N Releases of namespace "raw"
// that no operator watches: POST of a canary-shaped Deployment (1 replica, so kube-sim creates
// its ReplicaSet and pod as for a real canary) and a merge patch of the Release's status. Then
// ferry-operator (namespace "bench", --qps/--burst 1000000: the flag accepts no "unlimited", and
// a million tokens per second never wait) for each --workers value: the benchmark patches the N
// Releases' spec.version with --writers clients, its own watch sees their status; the time runs
// from the first PATCH to the last Release reaching its first step. The ratio compares write
// rates: the operator's writes in that time (all of them: canary applies, status updates, Events)
// per second over the raw client's. Between rounds every Release goes back to v1 (the operator
// cancels the rollouts) so each round starts the same rollouts.
//
//   operator_throughput_bench [--releases 1000] [--writers 4] [--workers 2,16]
//                             [--record FILE | --no-record]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/raw_http.h"
#include "bench/common/report.h"
#include "bench/operator/bench_cluster.h"
#include "bench/operator/event_watch.h"

namespace {

using ferry::bench::Format;
using SteadyTime = std::chrono::steady_clock::time_point;
constexpr char kRawNs[] = "raw";

struct Flags {
  int releases = 1000;
  int writers = 4;
  std::vector<int> workers = {2, 16};
};

constexpr char kUsage[] =
    "operator_throughput_bench [--releases 1000] [--writers 4] [--workers 2,16] [--record FILE | --no-record]\n"
    "  N Releases changed at once -> all at their first step, against a plain client's write rate.\n";

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  const auto args = ferry::bench::ParseArgs(argc, argv, {"--releases", "--writers", "--workers"}, kUsage);
  auto has = [&](const char* flag) { return args.count(flag) > 0; };
  if (has("--releases")) f.releases = std::atoi(args.at("--releases").c_str());
  if (has("--writers")) f.writers = std::atoi(args.at("--writers").c_str());
  if (has("--workers")) f.workers = ferry::bench::IntList(args.at("--workers"));
  return f;
}

// Runs fn(i) for i < n on `threads` threads, i interleaved; returns the seconds it took.
template <class F>
double Parallel(int n, int threads, F fn) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] { fn(t, n, threads); });
  }
  for (auto& t : pool) t.join();
  return ferry::bench::SecondsSince(t0);
}

// The plain client: per Release a canary Deployment POST and a status merge patch.
double RawWrites(const ferry::bench::SimProcess& sim, int n, int writers, std::atomic<int>* errors) {
  return Parallel(n, writers, [&](int first, int count, int step) {
    ferry::bench::RawHttp http(sim.port());
    const std::string deployments = "/apis/apps/v1/namespaces/" + std::string(kRawNs) + "/deployments";
    for (int i = first; i < count; i += step) {
      const std::string name = ferry::bench::ReleaseName(i);
      nlohmann::json status = {{"status",
                                {{"phase", "Progressing"},
                                 {"currentStepIndex", 0},
                                 {"message", "step 1/2: setWeight 10"},
                                 {"canary", {{"version", "v2"}, {"templateHash", "6c9f7d8b5f"}}}}}};
      if (http.Do("POST", deployments, ferry::bench::DeploymentObject(kRawNs, name + "-canary", "v2", 1).dump()) != 201) {
        ++*errors;
      }
      if (http.Do("PATCH", "/apis/ferry.dev/v1alpha1/namespaces/raw/releases/" + name + "/status", status.dump(),
                  "application/merge-patch+json") != 200) {
        ++*errors;
      }
    }
  });
}

// Which Releases of "bench" have reached the first step of `version`, from the benchmark's watch.
class FirstSteps {
 public:
  void Expect(const std::string& version) {
    std::lock_guard lock(mu_);
    version_ = version;
    reached_.clear();
  }
  void Observe(const nlohmann::json& r, SteadyTime at) {
    const nlohmann::json& st = r.value("status", nlohmann::json::object());
    std::lock_guard lock(mu_);
    bool at_step = st.contains("currentStepIndex") &&
                   st.value("/canary/version"_json_pointer, std::string()) == version_;
    bool home = version_ == "v1" && st.value("phase", "") == "Healthy" &&
                st.value("/stable/version"_json_pointer, std::string()) == "v1" && !st.contains("canary");
    if ((at_step || home) && reached_.insert(r["metadata"].value("name", "")).second) {
      last_ = at;
      cv_.notify_all();
    }
  }
  // Waits until `n` Releases reached it; returns the time of the last, or nullopt after `timeout`.
  std::optional<SteadyTime> Wait(size_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return reached_.size() >= n; })) {
      std::fprintf(stderr, "only %zu of %zu Releases reached %s\n", reached_.size(), n, version_.c_str());
      return std::nullopt;
    }
    return last_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string version_;
  std::set<std::string> reached_;
  SteadyTime last_;
};

struct Round {
  int workers = 0;
  double seconds = 0, patch_seconds = 0, writes = 0;
  double operator_cpu = 0, sim_cpu = 0;  // CPU seconds in `seconds`
};

// Patches every Release of "bench" to `version` with `writers` clients; returns the seconds.
double PatchAll(const ferry::bench::SimProcess& sim, const ferry::bench::LoadSpec& spec, int writers,
                const std::string& version, std::atomic<int>* errors) {
  return Parallel(spec.count, writers, [&](int first, int count, int step) {
    auto client = ferry::bench::NewClient(sim.kubeconfig());
    for (int i = first; client && i < count; i += step) {
      auto r = client->Patch(ferry::bench::kReleases, ferry::bench::kBenchNs, ferry::bench::ReleaseName(i),
                             ferry::kube::PatchType::kMerge, ferry::bench::VersionPatch(spec, i, version));
      if (!r) ++*errors;
    }
  });
}

bool MeasureRound(const ferry::bench::SimProcess& sim, const ferry::bench::LoadSpec& spec, int writers,
                  Round* round) {
  ferry::bench::OperatorProcess op;
  std::string error;
  std::vector<std::string> flags = ferry::bench::kUnlimitedQps;
  flags.push_back("--workers=" + std::to_string(round->workers));
  flags.push_back("--namespace=" + std::string(ferry::bench::kBenchNs));
  const std::string log = sim.dir() + "/workers-" + std::to_string(round->workers) + ".log";
  if (!op.Start(FERRY_OPERATOR_PATH, sim.kubeconfig(), log, flags, &error) ||
      op.WaitReady(std::chrono::seconds(300)) < 0 ||
      op.WaitSettled(spec.count, std::chrono::milliseconds(2000), std::chrono::seconds(600)) < 0) {
    std::fprintf(stderr, "ferry-operator did not start and settle %s (log %s)\n", error.c_str(), log.c_str());
    return false;
  }
  FirstSteps steps;
  ferry::bench::EventWatch watch(ferry::bench::NewClient(sim.kubeconfig()), ferry::bench::kReleases,
                                 ferry::bench::kBenchNs);
  if (!watch.Start([&](auto, const nlohmann::json& r, SteadyTime at) { steps.Observe(r, at); })) return false;
  std::atomic<int> errors{0};
  steps.Expect("v2");
  const auto before = op.Requests();
  const double op_cpu0 = op.CpuSeconds(), sim_cpu0 = ferry::bench::CpuSecondsOf(sim.pid());
  const auto t0 = std::chrono::steady_clock::now();
  round->patch_seconds = PatchAll(sim, spec, writers, "v2", &errors);
  auto last = steps.Wait(spec.count, std::chrono::seconds(900));
  round->writes = op.Requests().Minus(before).Writes();
  round->operator_cpu = op.CpuSeconds() - op_cpu0;
  round->sim_cpu = ferry::bench::CpuSecondsOf(sim.pid()) - sim_cpu0;
  if (!last || errors != 0) return false;
  round->seconds = std::chrono::duration<double>(*last - t0).count();
  std::fprintf(stderr, "workers %d: %d Releases at their first step in %.2f s; back to v1\n", round->workers,
               spec.count, round->seconds);
  steps.Expect("v1");  // cancel every rollout: the next round starts the same ones
  PatchAll(sim, spec, writers, "v1", &errors);
  return steps.Wait(spec.count, std::chrono::seconds(900)).has_value() &&
         op.WaitSettled(0, std::chrono::milliseconds(2000), std::chrono::seconds(600)) >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const std::string machine = ferry::bench::MachineLine();
  ferry::bench::SimProcess sim;
  std::string error;
  const ferry::bench::LoadSpec spec{.count = flags.releases, .replicas = 0, .with_analysis = false};
  const ferry::bench::LoadSpec raw{.count = flags.releases, .with_analysis = false, .targets = false, .ns = kRawNs};
  if (!ferry::bench::StartCluster(sim, {}, {ferry::bench::kBenchNs, kRawNs}, &error) ||
      ferry::bench::LoadReleases(sim.kubeconfig(), spec) < 0 || ferry::bench::LoadReleases(sim.kubeconfig(), raw) < 0 ||
      ferry::bench::Adopt(sim, spec.count, {"--namespace=" + std::string(ferry::bench::kBenchNs)}) < 0) {
    std::fprintf(stderr, "setup failed %s\n", error.c_str());
    return 1;
  }
  std::atomic<int> raw_errors{0};
  const double raw_sim_cpu0 = ferry::bench::CpuSecondsOf(sim.pid());
  const double raw_s = RawWrites(sim, flags.releases, flags.writers, &raw_errors);
  const double raw_sim_cpu = ferry::bench::CpuSecondsOf(sim.pid()) - raw_sim_cpu0;
  const double raw_rate = 2.0 * flags.releases / raw_s;
  std::fprintf(stderr, "raw: %d writes in %.2f s (%d errors)\n", 2 * flags.releases, raw_s, raw_errors.load());
  std::this_thread::sleep_for(std::chrono::seconds(5));  // kube-sim creates the raw canaries' pods
  ferry::bench::Table table{{"writer", "workers", "Releases", "writes", "seconds", "Releases/s", "writes/s",
                             "% of raw writes/s", "operator CPU s", "kube-sim CPU s"},
                            {{Format("plain client, %d sockets", flags.writers), "-", std::to_string(flags.releases),
                              std::to_string(2 * flags.releases), Format("%.2f", raw_s),
                              Format("%.0f", flags.releases / raw_s), Format("%.0f", raw_rate), "100", "-",
                              Format("%.2f", raw_sim_cpu)}}};
  std::string patch_notes;
  for (int w : flags.workers) {
    Round round{.workers = w};
    if (!MeasureRound(sim, spec, flags.writers, &round)) return 1;
    const double rate = round.writes / round.seconds;
    table.rows.push_back({"ferry-operator", std::to_string(w), std::to_string(flags.releases),
                          Format("%.0f", round.writes), Format("%.2f", round.seconds),
                          Format("%.0f", flags.releases / round.seconds), Format("%.0f", rate),
                          Format("%.0f", 100.0 * rate / raw_rate), Format("%.2f", round.operator_cpu),
                          Format("%.2f", round.sim_cpu)});
    patch_notes += Format(" %.2f s with %d workers;", round.patch_seconds, w);
  }
  const std::string notes =
      "Plain client = " + std::to_string(flags.writers) +
      " keep-alive sockets, per Release a canary-shaped Deployment POST (1 replica) and a status merge "
      "patch, in a namespace the operator does not watch; " +
      std::to_string(raw_errors.load()) +
      " errors. ferry-operator: --qps=1000000 --burst=1000000 (unlimited in effect), "
      "--namespace=bench; seconds = first version PATCH by the benchmark -> its watch sees the last "
      "Release with status.canary.version = v2 and status.currentStepIndex set; writes = every "
      "write the operator sent in that time (its ferry_rest_client_requests_total). The benchmark's "
      "own " + std::to_string(flags.releases) + " version PATCHes (" + std::to_string(flags.writers) +
      " clients) took" + patch_notes + " they share the 2 CPUs with kube-sim and the operator. CPU s = "
      "utime + stime of each process over the row's seconds (2 CPUs: at most 2 x seconds in all).\n";
  const std::string path = ferry::bench::ReportPath(argc, argv, FERRY_BENCHMARKS_MD);
  return ferry::bench::Report(path, "ferry-operator: " + std::to_string(flags.releases) +
                                        " Releases changed at once -> all at their first step",
                              ferry::bench::CommandLine(argc, argv), machine, table, notes)
             ? 0
             : 1;
}

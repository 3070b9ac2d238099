// ferry-operator throughput: N Releases get a new version at once; how long until every one is
// at its first step (status.canary.version is the new version and status.currentStepIndex set)
// with its canary serving (the canary Deployment has an available replica), against the simulator's raw write capacity
// measured by a plain client in the same run. Goal: with unlimited --qps the operator reaches at
// least 80% of the raw capacity.
//
// Raw capacity: --writers keep-alive sockets (bench/common/raw_http.h: no client library, no
// rate limit) act as a perfect operator for N Releases of namespace "raw" that no operator
// watches: per Release the benchmark's version PATCH, then the writes the operator sends for a
// Release reaching its first step, one after the other: the canary Deployment (1 replica, so
// kube-sim creates its ReplicaSet and pod as for a real canary) by server-side apply, a PUT of
// the Release's status, an Event. Then ferry-operator (namespace "bench", --qps/--burst 1000000:
// the flag accepts no "unlimited", and a million tokens per second never wait) for each
// --workers value: the benchmark patches the N Releases' spec.version with --writers clients.
// Every row is timed alike: from the first PATCH until the benchmark's watches see the last
// Release at its first step and the last canary serving (so the plain client's row, too, pays for
// the ReplicaSets and pods its canaries make kube-sim create). The ratios compare write rates (the operator's writes in that time,
// all of them: canary applies, status updates, Events) and Releases per second. Between rounds
// every Release goes back to v1 (the operator cancels the rollouts) so each round starts the
// same rollouts.
//
//   operator_throughput_bench [--releases 1000] [--writers 4] [--workers 2,16]
//                             [--record FILE | --no-record]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
constexpr int kFirstWeight = 10;  // the first step of the Releases' steps (bench/common/objects.h)

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

// The canary the operator applies for Release `release` (canary_builder.cc's shape): the
// target's Deployment at the new version, 1 replica, owned by the Release.
nlohmann::json CanaryApply(const nlohmann::json& release) {
  const std::string name = release["metadata"].value("name", "");
  nlohmann::json d = ferry::bench::DeploymentObject(kRawNs, name + "-canary", "v2", 1);
  d["metadata"]["labels"].update({{"ferry.dev/release", name},
                                  {"ferry.dev/version", "v2"},
                                  {"ferry.dev/role", "canary"},
                                  {"app.kubernetes.io/managed-by", "ferry"}});
  d["metadata"]["annotations"] = {{"ferry.dev/template-hash", "6c9f7d8b5f"}};
  d["metadata"]["ownerReferences"] = nlohmann::json::array(
      {{{"apiVersion", "ferry.dev/v1alpha1"}, {"kind", "Release"}, {"name", name},
        {"uid", release["metadata"].value("uid", "")}, {"controller", true}, {"blockOwnerDeletion", true}}});
  d["spec"]["selector"]["matchLabels"]["ferry.dev/role"] = "canary";
  d["spec"]["template"]["metadata"]["labels"]["ferry.dev/role"] = "canary";
  return d;
}

// An Event as the operator records it for Release `release` (event_recorder.h's BuildEvent
// shape); `n` makes its name unique.
nlohmann::json ReleaseEvent(const nlohmann::json& release, int n, const std::string& reason,
                            const std::string& message) {
  const std::string name = release["metadata"].value("name", "");
  const std::string now = "2026-12-05T12:00:00Z";
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name + "." + std::to_string(1000000 + n)}, {"namespace", kRawNs}}},
          {"involvedObject",
           {{"apiVersion", "ferry.dev/v1alpha1"}, {"kind", "Release"}, {"namespace", kRawNs}, {"name", name},
            {"uid", release["metadata"].value("uid", "")},
            {"resourceVersion", release["metadata"].value("resourceVersion", "")}}},
          {"type", "Normal"},
          {"reason", reason},
          {"message", message},
          {"source", {{"component", "ferry-operator"}}},
          {"reportingComponent", "ferry-operator"},
          {"reportingInstance", "bench"},
          {"firstTimestamp", now},
          {"lastTimestamp", now},
          {"count", 1}};
}

// Hands the plain client's writers the Releases whose first step is done: each once its start
// was written (Started, with the Release as the status PUT answered it) and its canary serves
// (Serving, from the benchmark's watch), in the order both became true.
class FirstStepsDone {
 public:
  explicit FirstStepsDone(int n) : started_(n), serving_(n, false) {}
  void Started(int i, nlohmann::json release) {
    std::lock_guard lock(mu_);
    started_[i] = std::move(release);
    if (serving_[i]) Ready(i);
  }
  void Serving(int i) {
    std::lock_guard lock(mu_);
    if (i < 0 || i >= static_cast<int>(serving_.size()) || serving_[i]) return;
    serving_[i] = true;
    if (!started_[i].is_null()) Ready(i);
  }
  // The next such Release (index and object); nullopt once all were handed out, or after 300 s
  // without one.
  std::optional<std::pair<int, nlohmann::json>> Next() {
    std::unique_lock lock(mu_);
    const auto more = [&] { return !ready_.empty() || handed_ == serving_.size(); };
    if (!cv_.wait_for(lock, std::chrono::seconds(300), more) || ready_.empty()) return std::nullopt;
    const int i = ready_.front();
    ready_.pop_front();
    ++handed_;
    if (handed_ == serving_.size()) cv_.notify_all();
    return std::make_pair(i, std::move(started_[i]));
  }

 private:
  void Ready(int i) {  // mu_ held
    ready_.push_back(i);
    cv_.notify_one();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<nlohmann::json> started_;
  std::vector<bool> serving_;
  std::deque<int> ready_;
  size_t handed_ = 0;
};

// The plain client: a perfect operator without cache, queue or reconcile. Per Release of "raw"
// it sends the benchmark's version PATCH (the trigger, as in the operator rounds) and then the
// five writes a Release's first step needs: at its start the canary by server-side apply, the
// status update (PUT of the object the PATCH answered, so with its resourceVersion) and the
// RolloutStarted Event; once `done` says its canary serves, the status update that records the
// step's weight and the pause step it moves on to, and that step's StepStarted Event. Counts the
// five (not the trigger) in `writes`.
void RawRollouts(const ferry::bench::SimProcess& sim, const ferry::bench::LoadSpec& raw, int writers,
                 FirstStepsDone& done, std::atomic<int>* writes, std::atomic<int>* errors) {
  const std::string base = "/apis/ferry.dev/v1alpha1/namespaces/" + std::string(kRawNs) + "/releases/";
  const std::string deployments = "/apis/apps/v1/namespaces/" + std::string(kRawNs) + "/deployments/";
  const std::string events = "/api/v1/namespaces/" + std::string(kRawNs) + "/events";
  // PUT of `release`'s status; the answered object, or null.
  const auto put_status = [&](ferry::bench::RawHttp& http, const nlohmann::json& release) {
    const std::string name = release["metadata"].value("name", "");
    if (http.Do("PUT", base + name + "/status", release.dump()) != 200) return nlohmann::json();
    return nlohmann::json::parse(http.body(), nullptr, false);
  };
  const auto count = [&](bool ok) { ok ? ++*writes : ++*errors; };
  Parallel(raw.count, writers, [&](int first, int n, int stride) {
    ferry::bench::RawHttp http(sim.port());
    for (int i = first; i < n; i += stride) {
      const std::string name = ferry::bench::ReleaseName(i);
      nlohmann::json release;
      if (http.Do("PATCH", base + name, ferry::bench::VersionPatch(raw, i, "v2").dump(),
                  "application/merge-patch+json") == 200) {
        release = nlohmann::json::parse(http.body(), nullptr, false);
      }
      if (!release.is_object()) {
        ++*errors;
        continue;
      }
      count(http.Do("PATCH", deployments + name + "-canary?fieldManager=ferry&force=true",
                    CanaryApply(release).dump(), "application/apply-patch+yaml") / 100 == 2);
      release["status"].update({{"phase", "Progressing"},
                                {"currentStepIndex", 0},
                                {"message", "step 1/2 of v2: waiting for the canary: 0/1 available"},
                                {"canary", {{"version", "v2"}, {"templateHash", "6c9f7d8b5f"}}}});
      nlohmann::json started = put_status(http, release);
      count(started.is_object());
      count(http.Do("POST", events, ReleaseEvent(release, 2 * i, "RolloutStarted",
                                                 "rolling out version v2 in 2 steps").dump()) == 201);
      if (started.is_object()) done.Started(i, std::move(started));
    }
    while (auto next = done.Next()) {
      auto& [i, release] = *next;
      release["status"].update({{"phase", "Paused"},
                                {"currentStepIndex", 1},
                                {"canaryWeight", 10},
                                {"message", "step 2/2 of v2"},
                                {"canary", {{"version", "v2"}, {"templateHash", "6c9f7d8b5f"},
                                            {"deployment", ferry::bench::ReleaseName(i) + "-canary"},
                                            {"replicas", 1}, {"readyReplicas", 1}, {"availableReplicas", 1}}}});
      count(put_status(http, release).is_object());
      count(http.Do("POST", events, ReleaseEvent(release, 2 * i + 1, "StepStarted",
                                                 "step 2/2: pause 5m").dump()) == 201);
    }
  });
}

// Which Releases of a namespace have reached the first step of `version` with their canary
// serving, from the benchmark's two watches (Releases and Deployments): a Release counts once its
// status says the first step's weight is in effect (status.canary.version is `version` and
// status.canaryWeight is kFirstWeight), a canary once its Deployment "<release>-canary" carries
// `version` and has an available replica. Going home to "v1" needs only the Releases (Healthy at
// v1, no canary).
class FirstSteps {
 public:
  void Expect(const std::string& version) {
    std::lock_guard lock(mu_);
    version_ = version;
    reached_.clear();
    serving_.clear();
  }
  void ObserveRelease(const nlohmann::json& r, SteadyTime at) {
    const nlohmann::json& st = r.value("status", nlohmann::json::object());
    std::lock_guard lock(mu_);
    bool at_step = st.value("canaryWeight", 0) == kFirstWeight &&
                   st.value("/canary/version"_json_pointer, std::string()) == version_;
    bool home = version_ == "v1" && st.value("phase", "") == "Healthy" &&
                st.value("/stable/version"_json_pointer, std::string()) == "v1" && !st.contains("canary");
    if ((at_step || home) && reached_.insert(r["metadata"].value("name", "")).second) Reached(at);
  }
  void ObserveDeployment(const nlohmann::json& d, SteadyTime at) {
    const nlohmann::json& meta = d.value("metadata", nlohmann::json::object());
    std::lock_guard lock(mu_);
    const bool canary = meta.value("/labels/ferry.dev~1version"_json_pointer, std::string()) == version_ &&
                        meta.value("/labels/ferry.dev~1role"_json_pointer, std::string()) == "canary";
    const std::string name = meta.value("name", "");
    if (canary && d.value("/status/availableReplicas"_json_pointer, 0) >= 1 && serving_.insert(name).second) {
      Reached(at);
      if (on_serving_) on_serving_(name.substr(0, name.size() - std::strlen("-canary")));
    }
  }
  // Calls `fn` with the Release's name when its canary first serves (before Watch).
  void OnServing(std::function<void(const std::string&)> fn) { on_serving_ = std::move(fn); }
  // Waits until `n` Releases reached it (and, unless going home, `n` canaries serve); returns the
  // time of the last of those, or nullopt after `timeout`.
  std::optional<SteadyTime> Wait(size_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    auto done = [&] { return reached_.size() >= n && (version_ == "v1" || serving_.size() >= n); };
    if (!cv_.wait_for(lock, timeout, done)) {
      std::fprintf(stderr, "only %zu of %zu Releases reached %s, %zu canaries serve it\n", reached_.size(), n,
                   version_.c_str(), serving_.size());
      return std::nullopt;
    }
    return last_;
  }
  // Starts the two watches on namespace `ns` of the cluster behind `kubeconfig`.
  bool Watch(const std::string& kubeconfig, const std::string& ns) {
    releases_ = std::make_unique<ferry::bench::EventWatch>(ferry::bench::NewClient(kubeconfig),
                                                           ferry::bench::kReleases, ns);
    deployments_ = std::make_unique<ferry::bench::EventWatch>(ferry::bench::NewClient(kubeconfig),
                                                              ferry::kube::kDeployments, ns);
    return releases_->Start([&](auto, const nlohmann::json& r, SteadyTime at) { ObserveRelease(r, at); }) &&
           deployments_->Start([&](auto type, const nlohmann::json& d, SteadyTime at) {
             if (type != ferry::kube::WatchEvent::Type::kDeleted) ObserveDeployment(d, at);
           });
  }

 private:
  void Reached(SteadyTime at) {  // mu_ held
    last_ = at;
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::string version_;
  std::set<std::string> reached_;  // Release names
  std::set<std::string> serving_;  // canary Deployment names
  SteadyTime last_;
  std::function<void(const std::string&)> on_serving_;
  std::unique_ptr<ferry::bench::EventWatch> releases_, deployments_;  // last: stopped first
};

struct Round {
  int workers = 0;
  double seconds = 0, patch_seconds = 0, writes = 0;
  double operator_cpu = 0, sim_cpu = 0;  // CPU seconds in `seconds`
};

struct RawRound {
  double seconds = 0;
  int writes = 0;
  double sim_cpu = 0;  // kube-sim's CPU seconds in `seconds`
};

// The plain client's round on namespace "raw", timed as the operator rounds are: from its first
// PATCH until the benchmark's watch sees the last Release at its first step.
bool MeasureRaw(const ferry::bench::SimProcess& sim, const ferry::bench::LoadSpec& raw, int writers,
                RawRound* round) {
  FirstStepsDone done(raw.count);
  FirstSteps steps;
  steps.Expect("v2");
  steps.OnServing([&](const std::string& release) { done.Serving(ferry::bench::ReleaseIndex(release)); });
  if (!steps.Watch(sim.kubeconfig(), kRawNs)) return false;
  std::atomic<int> writes{0}, errors{0};
  const double sim_cpu0 = ferry::bench::CpuSecondsOf(sim.pid());
  const auto t0 = std::chrono::steady_clock::now();
  RawRollouts(sim, raw, writers, done, &writes, &errors);
  auto last = steps.Wait(raw.count, std::chrono::seconds(300));
  round->sim_cpu = ferry::bench::CpuSecondsOf(sim.pid()) - sim_cpu0;
  round->writes = writes;
  if (!last || errors != 0) {
    std::fprintf(stderr, "plain client: %d errors\n", errors.load());
    return false;
  }
  round->seconds = std::chrono::duration<double>(*last - t0).count();
  std::fprintf(stderr, "plain client: %d Releases at their first step in %.2f s\n", raw.count, round->seconds);
  return true;
}

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
  steps.Expect("v2");
  if (!steps.Watch(sim.kubeconfig(), ferry::bench::kBenchNs)) return false;
  std::atomic<int> errors{0};
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
  RawRound raw_round;
  if (!MeasureRaw(sim, raw, flags.writers, &raw_round)) return 1;
  const double raw_rate = raw_round.writes / raw_round.seconds;
  const double raw_releases = flags.releases / raw_round.seconds;
  ferry::bench::Table table{{"writer", "workers", "Releases", "writes", "seconds", "Releases/s", "writes/s",
                             "% of raw writes/s", "% of raw Releases/s", "operator CPU s", "kube-sim CPU s"},
                            {{Format("plain client, %d sockets", flags.writers), "-", std::to_string(flags.releases),
                              std::to_string(raw_round.writes), Format("%.2f", raw_round.seconds),
                              Format("%.0f", raw_releases), Format("%.0f", raw_rate), "100", "100", "-",
                              Format("%.2f", raw_round.sim_cpu)}}};
  std::string patch_notes;
  for (int w : flags.workers) {
    Round round{.workers = w};
    if (!MeasureRound(sim, spec, flags.writers, &round)) return 1;
    const double rate = round.writes / round.seconds;
    table.rows.push_back({"ferry-operator", std::to_string(w), std::to_string(flags.releases),
                          Format("%.0f", round.writes), Format("%.2f", round.seconds),
                          Format("%.0f", flags.releases / round.seconds), Format("%.0f", rate),
                          Format("%.0f", 100.0 * rate / raw_rate),
                          Format("%.0f", 100.0 * flags.releases / round.seconds / raw_releases),
                          Format("%.2f", round.operator_cpu),
                          Format("%.2f", round.sim_cpu)});
    patch_notes += Format(" %.2f s with %d workers;", round.patch_seconds, w);
  }
  const std::string notes =
      "Plain client = " + std::to_string(flags.writers) +
      " keep-alive sockets in namespace raw, which no operator watches: per Release the version PATCH, "
      "then the five writes the operator sends for a Release reaching its first canary step (the canary "
      "Deployment by server-side apply, a PUT of the Release's status at the rollout's start, a "
      "RolloutStarted Event; once the canary serves, a status PUT for step 1 and a StepStarted Event); "
      "writes counts those five, not the PATCH. Its canaries cost kube-sim what the operator's do "
      "(ReplicaSet, pod, status updates). ferry-operator: --qps=1000000 --burst=1000000 "
      "(unlimited in effect), --namespace=bench; writes = every write the operator sent in the row's time "
      "(its ferry_rest_client_requests_total). Both kinds of row are timed alike: first version PATCH -> "
      "the benchmark's watches see the last Release with status.canaryWeight = 10 and its canary "
      "Deployment at v2 with an available replica. The operator also records status.canary's replica "
      "counts as its canary comes up (about one status update per Release more than the plain "
      "client); % of raw writes/s compares the rates at which kube-sim absorbed writes, % of raw "
      "Releases/s the end-to-end pace. The benchmark's " + std::to_string(flags.releases) +
      " version PATCHes of the operator rows (" + std::to_string(flags.writers) + " clients) took" + patch_notes +
      " they share the 2 CPUs with kube-sim and the operator. CPU s = utime + stime of each process over the "
      "row's seconds (2 CPUs: at most 2 x seconds in all).\n";
  const std::string path = ferry::bench::ReportPath(argc, argv, FERRY_BENCHMARKS_MD);
  return ferry::bench::Report(path, "ferry-operator: " + std::to_string(flags.releases) +
                                        " Releases changed at once -> all at their first step",
                              ferry::bench::CommandLine(argc, argv), machine, table, notes)
             ? 0
             : 1;
}

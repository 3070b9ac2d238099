// ferry-operator reaction time: a Release's version changes -> its canary Deployment exists,
// p50/p99 over 1,000 changes on an otherwise idle operator (goal: p99 under 50 ms).
//
// kube-sim holds N Releases "svc-<i>" (steps: setWeight 10, pause until promoted) with their target
// Deployments (0 replicas, so each canary has 1 pod); a first operator run with unlimited qps
// adopts them and stops. The measured ferry-operator runs with the default flags (qps 20,
// burst 30, 2 workers). The benchmark watches Deployments in the namespace itself and changes one
// Release at a time (merge patch of spec.version and spec.template): latency = from just before
// the PATCH is sent to the moment the benchmark's watch decodes the ADDED event of
// "<release>-canary". Between changes it waits until the operator's release queue is empty,
// then --gap-ms more, so every change meets an idle operator. "Idle" includes the client's token
// bucket (qps 20, burst 30): a change costs about 7 writes (canary, status, Events, the next step
// when the canary's pod is ready), so changes closer than ~0.35 s apart drain it and the canary's
// apply then waits for tokens; the default gap of 500 ms keeps it full.
//
//   operator_latency_bench [--changes 1000] [--gap-ms 500] [--record FILE | --no-record]
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/plot.h"
#include "bench/common/report.h"
#include "bench/operator/bench_cluster.h"
#include "bench/operator/event_watch.h"

namespace {

using ferry::bench::Format;
using SteadyTime = std::chrono::steady_clock::time_point;

struct Flags {
  int changes = 1000;
  int gap_ms = 500;
};

constexpr char kUsage[] =
    "operator_latency_bench [--changes 1000] [--gap-ms 500] [--record FILE | --no-record]\n"
    "  Release version change -> canary Deployment seen, one change at a time on an idle operator.\n";

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  const auto args = ferry::bench::ParseArgs(argc, argv, {"--changes", "--gap-ms"}, kUsage);
  auto has = [&](const char* flag) { return args.count(flag) > 0; };
  if (has("--changes")) f.changes = std::atoi(args.at("--changes").c_str());
  if (has("--gap-ms")) f.gap_ms = std::atoi(args.at("--gap-ms").c_str());
  return f;
}

// When each canary Deployment was first seen (ADDED) by the benchmark's watch.
class CanarySightings {
 public:
  void Added(const std::string& name, SteadyTime at) {
    std::lock_guard lock(mu_);
    seen_[name] = at;
    cv_.notify_all();
  }
  // Waits up to `timeout` for `name`; returns when it was seen, or nullopt.
  std::optional<SteadyTime> Wait(const std::string& name, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return seen_.count(name) > 0; })) return std::nullopt;
    return seen_[name];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SteadyTime> seen_;
};

// Waits (up to 5 s) until the operator's release queue is empty.
void WaitQueueEmpty(const ferry::bench::OperatorProcess& op) {
  for (int i = 0; i < 500; ++i) {
    if (ferry::bench::MetricSum(op.Metrics(), "ferry_workqueue_depth", "name=\"release\"") == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

struct Run {
  std::vector<double> latency_ms, patch_ms;
  double cpu_s = 0, seconds = 0;
  ferry::bench::RequestCounts requests;
};

// The 1,000 sequential changes against a running, settled operator.
bool Measure(const ferry::bench::SimProcess& sim, ferry::bench::OperatorProcess& op, const Flags& flags,
             const ferry::bench::LoadSpec& spec, Run* run) {
  CanarySightings sightings;
  ferry::bench::EventWatch watch(ferry::bench::NewClient(sim.kubeconfig()), ferry::kube::kDeployments,
                                 ferry::bench::kBenchNs);
  auto started = watch.Start([&](ferry::kube::WatchEvent::Type type, const nlohmann::json& d, SteadyTime at) {
    if (type == ferry::kube::WatchEvent::Type::kAdded) sightings.Added(d["metadata"].value("name", ""), at);
  });
  auto client = ferry::bench::NewClient(sim.kubeconfig());
  if (!started || !client) return false;
  const auto before = op.Requests();
  const double cpu0 = op.CpuSeconds();
  const auto t_run = std::chrono::steady_clock::now();
  for (int i = 0; i < flags.changes; ++i) {
    const std::string name = ferry::bench::ReleaseName(i);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = client->Patch(ferry::bench::kReleases, ferry::bench::kBenchNs, name, ferry::kube::PatchType::kMerge,
                           ferry::bench::VersionPatch(spec, i, "v2"));
    run->patch_ms.push_back(ferry::bench::SecondsSince(t0) * 1000);
    auto seen = r ? sightings.Wait(name + "-canary", std::chrono::seconds(30)) : std::nullopt;
    if (!seen) {
      std::fprintf(stderr, "change %d: %s\n", i, r ? "no canary within 30 s" : r.error().ToString().c_str());
      return false;
    }
    run->latency_ms.push_back(std::chrono::duration<double, std::milli>(*seen - t0).count());
    WaitQueueEmpty(op);
    std::this_thread::sleep_for(std::chrono::milliseconds(flags.gap_ms));
  }
  run->seconds = ferry::bench::SecondsSince(t_run);
  run->cpu_s = op.CpuSeconds() - cpu0;
  run->requests = op.Requests().Minus(before);
  return true;
}

std::string Ms(std::vector<double> v, double p) { return Format("%.1f", ferry::bench::Percentile(v, p)); }

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const std::string machine = ferry::bench::MachineLine();
  ferry::bench::SimProcess sim;
  std::string error;
  // setWeight 10, then a pause until promoted: no Release moves on by itself during the run.
  const ferry::bench::LoadSpec spec{.count = flags.changes,
                                    .replicas = 0,
                                    .with_analysis = false,
                                    .steps = nlohmann::json::array({{{"setWeight", 10}}, {{"pause", nlohmann::json::object()}}})};
  if (!ferry::bench::StartCluster(sim, {}, {ferry::bench::kBenchNs}, &error) ||
      ferry::bench::LoadReleases(sim.kubeconfig(), spec) < 0 || ferry::bench::Adopt(sim, spec.count) < 0) {
    std::fprintf(stderr, "setup failed %s\n", error.c_str());
    return 1;
  }
  ferry::bench::OperatorProcess op;
  if (!op.Start(FERRY_OPERATOR_PATH, sim.kubeconfig(), sim.dir() + "/measured.log", {}, &error) ||
      op.WaitReady(std::chrono::seconds(300)) < 0 ||
      op.WaitSettled(spec.count, std::chrono::milliseconds(2000), std::chrono::seconds(600)) < 0) {
    std::fprintf(stderr, "ferry-operator did not start and settle %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "%d Releases adopted; changing them one by one\n", spec.count);
  Run run;
  if (!Measure(sim, op, flags, spec, &run)) return 1;
  std::vector<double> lat = run.latency_ms;
  double sum = 0;
  for (double v : lat) sum += v;
  ferry::bench::Table table{{"changes", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms", "PATCH p50 ms",
                             "operator CPU s", "operator requests/change", "writes/change"},
                            {{std::to_string(lat.size()), Ms(lat, 50), Ms(lat, 90), Ms(lat, 99), Ms(lat, 100),
                              Format("%.1f", sum / static_cast<double>(lat.size())), Ms(run.patch_ms, 50),
                              Format("%.1f", run.cpu_s),
                              Format("%.1f", (run.requests.Total() - run.requests.Verb("watch")) / lat.size()),
                              Format("%.1f", run.requests.Writes() / lat.size())}}};
  std::string csv = "ms\n";
  for (double v : run.latency_ms) csv += Format("%.3f\n", v);
  const std::string path = ferry::bench::ReportPath(argc, argv, FERRY_BENCHMARKS_MD);
  const std::string png =
      path.empty() ? "" : ferry::bench::WriteCsvAndPlot(FERRY_SOURCE_DIR, "operator_latency", "latency", csv);
  std::string notes =
      "Latency = benchmark client's PATCH of spec.version (+ template) of one Release -> its own watch "
      "decodes the canary Deployment's ADDED event; it includes the PATCH round trip, the watch "
      "fan-out of kube-sim to the operator and back, the reconcile and the canary's server-side apply. Operator "
      "with the default flags (qps 20, burst 30, 2 workers); each change waits for an empty release "
      "queue plus " +
      std::to_string(flags.gap_ms) +
      " ms (closer changes drain the client's token bucket: ~7 writes per change at 20 qps). "
      "Requests and writes per change count everything the operator sent during the run "
      "(canary apply, status writes, Events; the canary's pod becoming ready moves each Release on "
      "to its pause step).\n";
  if (!png.empty()) notes += "\n![canary latency CDF](" + png + ")\n";
  return ferry::bench::Report(path, "ferry-operator: Release version change -> canary Deployment",
                              ferry::bench::CommandLine(argc, argv), machine, table, notes)
             ? 0
             : 1;
}

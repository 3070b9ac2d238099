// ferry-operator API cost: requests per completed rollout (a short canary: setWeight 50,
// setWeight 100) by verb and resource, and requests per idle minute afterwards (goal: zero
// writes when nothing changes).
//
// kube-sim holds --rollouts Releases, each targeting its own Deployment with 2 replicas (pods
// Ready 0.2 s after they start); the measured ferry-operator runs with the default flags and
// adopts them. Then one Release at a time gets version v2; the benchmark polls the Release until
// it is Healthy at v2 (canary up to 2 pods, promotion through the target's own rollout, canary
// removed), waits until the operator sent nothing for 3 s, and takes the difference of the
// operator's ferry_rest_client_requests_total. Finally an idle window with nothing changing.
//
//   operator_cost_bench [--rollouts 10] [--idle-seconds 60] [--record FILE | --no-record]
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/report.h"
#include "bench/operator/bench_cluster.h"

namespace {

using ferry::bench::Format;
using ferry::bench::RequestCounts;

struct Flags {
  int rollouts = 10;
  int idle_seconds = 60;
};

constexpr char kUsage[] =
    "operator_cost_bench [--rollouts 10] [--idle-seconds 60] [--record FILE | --no-record]\n"
    "  ferry-operator API requests per completed rollout (setWeight 50, 100) and per idle minute.\n";

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  const auto args = ferry::bench::ParseArgs(argc, argv, {"--rollouts", "--idle-seconds"}, kUsage);
  auto has = [&](const char* flag) { return args.count(flag) > 0; };
  if (has("--rollouts")) f.rollouts = std::atoi(args.at("--rollouts").c_str());
  if (has("--idle-seconds")) f.idle_seconds = std::atoi(args.at("--idle-seconds").c_str());
  return f;
}

// Polls Release `name` every 50 ms until Healthy at `version` (up to 3 min).
bool WaitHealthy(ferry::kube::Client& client, const std::string& name, const std::string& version) {
  for (int i = 0; i < 3600; ++i) {
    auto r = client.Get(ferry::bench::kReleases, ferry::bench::kBenchNs, name);
    if (r && r->value("/status/phase"_json_pointer, std::string()) == "Healthy" &&
        r->value("/status/stable/version"_json_pointer, std::string()) == version) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "Release %s did not become Healthy at %s within 3 min\n", name.c_str(), version.c_str());
  return false;
}

struct Totals {
  RequestCounts rollouts, idle;
  double rollout_seconds = 0, idle_seconds = 0;
};

bool Measure(const ferry::bench::SimProcess& sim, ferry::bench::OperatorProcess& op, const Flags& flags,
             const ferry::bench::LoadSpec& spec, Totals* t) {
  auto client = ferry::bench::NewClient(sim.kubeconfig());
  if (!client) return false;
  for (int i = 0; i < flags.rollouts; ++i) {
    const std::string name = ferry::bench::ReleaseName(i);
    const RequestCounts before = op.Requests();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = client->Patch(ferry::bench::kReleases, ferry::bench::kBenchNs, name, ferry::kube::PatchType::kMerge,
                           ferry::bench::VersionPatch(spec, i, "v2"));
    if (!r || !WaitHealthy(*client, name, "v2")) return false;
    t->rollout_seconds += ferry::bench::SecondsSince(t0);
    if (op.WaitSettled(0, std::chrono::milliseconds(3000), std::chrono::seconds(120)) < 0) return false;
    RequestCounts d = op.Requests().Minus(before);
    for (const auto& [k, n] : d.by_verb) t->rollouts.by_verb[k] += n;
    for (const auto& [k, n] : d.by_verb_resource) t->rollouts.by_verb_resource[k] += n;
  }
  const RequestCounts before = op.Requests();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(flags.idle_seconds));
  t->idle_seconds = ferry::bench::SecondsSince(t0);
  t->idle = op.Requests().Minus(before);
  return true;
}

ferry::bench::Table MakeTable(const Totals& t, int rollouts) {
  ferry::bench::Table table{{"requests", "per rollout", "per idle minute"}, {}};
  const double per_min = t.idle_seconds > 0 ? 60.0 / t.idle_seconds : 0;
  std::map<std::string, bool> keys;
  for (const auto& [k, n] : t.rollouts.by_verb_resource) keys[k] = true;
  for (const auto& [k, n] : t.idle.by_verb_resource) keys[k] = true;
  for (const auto& key : keys) {
    const std::string& k = key.first;  // clang 14 cannot capture a structured binding
    auto get = [&](const RequestCounts& c) {
      auto it = c.by_verb_resource.find(k);
      return it == c.by_verb_resource.end() ? 0.0 : it->second;
    };
    if (get(t.rollouts) == 0 && get(t.idle) == 0) continue;
    table.rows.push_back({k, Format("%.1f", get(t.rollouts) / rollouts), Format("%.1f", get(t.idle) * per_min)});
  }
  table.rows.push_back({"**reads (get + list)**", Format("%.1f", t.rollouts.Reads() / rollouts),
                        Format("%.1f", t.idle.Reads() * per_min)});
  table.rows.push_back({"**writes (create, update, patch, apply, delete)**", Format("%.1f", t.rollouts.Writes() / rollouts),
                        Format("%.1f", t.idle.Writes() * per_min)});
  table.rows.push_back({"**all, watches included**", Format("%.1f", t.rollouts.Total() / rollouts),
                        Format("%.1f", t.idle.Total() * per_min)});
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const std::string machine = ferry::bench::MachineLine();
  ferry::bench::SimProcess sim;
  std::string error;
  const ferry::bench::LoadSpec spec{.count = flags.rollouts,
                                    .replicas = 2,
                                    .with_analysis = false,
                                    .steps = nlohmann::json::array({{{"setWeight", 50}}, {{"setWeight", 100}}})};
  if (!ferry::bench::StartCluster(sim, {}, {ferry::bench::kBenchNs}, &error) ||
      ferry::bench::LoadReleases(sim.kubeconfig(), spec) < 0) {
    std::fprintf(stderr, "setup failed %s\n", error.c_str());
    return 1;
  }
  ferry::bench::OperatorProcess op;
  if (!op.Start(FERRY_OPERATOR_PATH, sim.kubeconfig(), sim.dir() + "/measured.log", {}, &error) ||
      op.WaitReady(std::chrono::seconds(120)) < 0 ||
      op.WaitSettled(spec.count, std::chrono::milliseconds(3000), std::chrono::seconds(300)) < 0) {
    std::fprintf(stderr, "ferry-operator did not start and settle %s\n", error.c_str());
    return 1;
  }
  Totals totals;
  if (!Measure(sim, op, flags, spec, &totals)) return 1;
  const std::string notes = Format("%d rollouts one after the other, %.1f s each on average (version PATCH -> "
                                   "Healthy at v2, polled every 50 ms); idle window %.0f s. ",
                                   flags.rollouts, totals.rollout_seconds / flags.rollouts, totals.idle_seconds) +
                            "Rows are the operator's ferry_rest_client_requests_total{verb, resource} "
                            "(\"watch\" = watch requests started); default flags (qps 20, burst 30, 2 workers).\n";
  const std::string path = ferry::bench::ReportPath(argc, argv, FERRY_BENCHMARKS_MD);
  return ferry::bench::Report(path, "ferry-operator: API requests per rollout (setWeight 50, 100) and per idle minute",
                              ferry::bench::CommandLine(argc, argv), machine, MakeTable(totals, flags.rollouts), notes)
             ? 0
             : 1;
}

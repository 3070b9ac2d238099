// ferry-operator at scale: memory after syncing N Releases with their Deployments, bytes per
// cached object, startup time to ready, and the cost of an idle minute (CPU, API requests, with
// writes apart; the goal is zero writes when nothing changes). Goal: 10,000 Releases in under
// 100 MB RSS.
//
// For each N: a fresh kube-sim; the real ferry-operator on the empty cluster gives the baseline
// RSS; N Deployments (0 replicas: kube-sim writes their status and one ReplicaSet, no pods) and N
// Releases (the sample's canary + analysis spec) are created by unthrottled clients; a first
// operator run with unlimited qps adopts them all (every Release Healthy, status written) and
// stops. The measured run then starts with the default flags against that settled cluster, as
// after a restart: time to /readyz (every informer synced), time until its first pass over all
// Releases is done, VmRSS and VmHWM, then an idle minute: utime + stime from /proc and the
// client's request counters from its /metrics.
//
//   operator_memory_bench [--sizes 1000,10000,50000] [--idle-seconds 60]
//                         [--record FILE | --no-record]
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/plot.h"
#include "bench/common/report.h"
#include "bench/operator/bench_cluster.h"

namespace {

using ferry::bench::Format;
using ferry::bench::OperatorProcess;
using ferry::bench::RequestCounts;

struct Flags {
  std::vector<int> sizes = {1000, 10000, 50000};
  int idle_seconds = 60;
};

constexpr char kUsage[] =
    "operator_memory_bench [--sizes 1000,10000,50000] [--idle-seconds 60] [--record FILE | --no-record]\n"
    "  ferry-operator RSS after syncing N Releases (+ Deployments), startup time, idle CPU and requests.\n";

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  const auto args = ferry::bench::ParseArgs(argc, argv, {"--sizes", "--idle-seconds"}, kUsage);
  auto has = [&](const char* flag) { return args.count(flag) > 0; };
  if (has("--sizes")) f.sizes = ferry::bench::IntList(args.at("--sizes"));
  if (has("--idle-seconds")) f.idle_seconds = std::atoi(args.at("--idle-seconds").c_str());
  return f;
}

struct Figures {
  int n = 0, healthy = 0;
  double load_s = 0, adopt_s = 0, ready_s = 0, pass_s = 0;
  double baseline_mib = 0, rss_mib = 0, peak_mib = 0, rss_after_idle_mib = 0;
  double restart_writes = 0;
  double idle_cpu_s = 0, idle_seconds = 0;
  RequestCounts idle;
};

// The defaults of a production run, endpoints aside.
std::vector<std::string> DefaultFlags() { return {"--log-level=info"}; }

bool StartMeasured(const ferry::bench::SimProcess& sim, const std::string& log, OperatorProcess& op) {
  std::string error;
  if (!op.Start(FERRY_OPERATOR_PATH, sim.kubeconfig(), sim.dir() + "/" + log, DefaultFlags(), &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return false;
  }
  return true;
}

// RSS of the operator on the empty cluster, once its informers synced and it is quiet.
double BaselineMiB(const ferry::bench::SimProcess& sim) {
  OperatorProcess op;
  if (!StartMeasured(sim, "baseline.log", op) || op.WaitReady(std::chrono::seconds(60)) < 0) return -1;
  op.WaitSettled(0, std::chrono::milliseconds(1000), std::chrono::seconds(60));
  return op.RssMiB();
}

// The restart after adoption: startup, first pass, memory, then the idle window.
bool MeasureRestart(const ferry::bench::SimProcess& sim, int idle_seconds, Figures* f) {
  OperatorProcess op;
  if (!StartMeasured(sim, "measured.log", op)) return false;
  f->ready_s = op.WaitReady(std::chrono::seconds(900));
  if (f->ready_s < 0) {
    std::fprintf(stderr, "ferry-operator was not ready within 15 min (log: %s/measured.log)\n", sim.dir().c_str());
    return false;
  }
  const double settled = op.WaitSettled(f->n, std::chrono::milliseconds(2000), std::chrono::seconds(1800));
  if (settled < 0) return false;
  f->pass_s = f->ready_s + settled;
  f->restart_writes = op.Requests().Writes();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  f->rss_mib = op.RssMiB();
  f->peak_mib = op.PeakMiB();
  const RequestCounts before = op.Requests();
  const double cpu0 = op.CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  f->idle_cpu_s = op.CpuSeconds() - cpu0;
  f->idle_seconds = ferry::bench::SecondsSince(t0);
  f->idle = op.Requests().Minus(before);
  f->rss_after_idle_mib = op.RssMiB();
  return true;
}

// Waits until kube-sim's Deployment controller has written the status of Deployment `name`.
bool WaitDeploymentStatus(ferry::kube::Client& client, const std::string& name) {
  for (int i = 0; i < 3000; ++i) {
    auto d = client.Get(ferry::kube::kDeployments, ferry::bench::kBenchNs, name);
    if (d && d->contains("status") && (*d)["status"].contains("observedGeneration")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool MeasureSize(int n, int idle_seconds, Figures* f) {
  f->n = n;
  ferry::bench::SimProcess sim;
  std::string error;
  if (!ferry::bench::StartCluster(sim, {}, {ferry::bench::kBenchNs}, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return false;
  }
  f->baseline_mib = BaselineMiB(sim);
  ferry::bench::LoadSpec spec{.count = n, .replicas = 0, .with_analysis = true};
  f->load_s = ferry::bench::LoadReleases(sim.kubeconfig(), spec);
  auto client = ferry::bench::NewClient(sim.kubeconfig());
  if (f->baseline_mib < 0 || f->load_s < 0 || !client ||
      !WaitDeploymentStatus(*client, ferry::bench::ReleaseName(n - 1))) {
    return false;
  }
  std::fprintf(stderr, "N=%d: loaded in %.1f s (kube-sim RSS %.0f MiB); adopting\n", n, f->load_s, sim.RssMiB());
  f->adopt_s = ferry::bench::Adopt(sim, n);
  f->healthy = ferry::bench::CountPhase(*client, ferry::bench::kBenchNs, "Healthy");
  std::fprintf(stderr, "N=%d: adopted in %.1f s (%d Healthy); measuring a restart\n", n, f->adopt_s, f->healthy);
  return f->adopt_s >= 0 && MeasureRestart(sim, idle_seconds, f);
}

std::vector<std::string> Row(const Figures& f) {
  const double objects = 2.0 * f.n, per_min = 60.0 / f.idle_seconds;
  return {std::to_string(f.n),
          Format("%d/%d", f.healthy, f.n),
          Format("%.1f", f.load_s),
          Format("%.1f", f.adopt_s),
          Format("%.2f", f.ready_s),
          Format("%.1f", f.pass_s),
          Format("%.0f", f.restart_writes),
          Format("%.1f", f.baseline_mib),
          Format("%.1f", f.rss_mib),
          Format("%.1f", f.peak_mib),
          Format("%.0f", (f.rss_mib - f.baseline_mib) * 1048576.0 / objects),
          Format("%.2f", 100.0 * f.idle_cpu_s / f.idle_seconds),
          Format("%.1f", f.idle.Reads() * per_min),
          Format("%.1f", f.idle.Writes() * per_min),
          Format("%.1f", f.idle.Verb("watch") * per_min),
          Format("%.1f", f.rss_after_idle_mib)};
}

std::string Notes(const Flags& flags, const std::string& png) {
  std::string notes =
      "Each row: a fresh kube-sim; N Releases (the sample's canary + analysis spec) and their N "
      "target Deployments (0 replicas) created by 4 unthrottled clients (load s); a first "
      "ferry-operator run with unlimited qps and 8 workers adopts them (every Release Healthy, "
      "status written; adoption s, until its last request) and stops. The measured run is a restart "
      "with the default flags (qps 20, burst 30, 2 workers): ready s = process start to /readyz 200 "
      "(every informer listed and synced); first pass s = until each Release was reconciled once "
      "and no request was sent for 2 s; restart writes = writes in that pass (0 = the restart "
      "changes nothing). RSS = VmRSS after the first pass, peak = VmHWM; baseline = the same binary "
      "on the empty cluster; bytes/object = (RSS - baseline) / (Releases + Deployments cached). Then "
      "an idle window of " +
      std::to_string(flags.idle_seconds) +
      " s: idle CPU = (utime + stime) / wall time of the process (100% = one core); "
      "requests per minute from the operator's ferry_rest_client_requests_total (reads = get + list; "
      "watches = watch requests started, i.e. re-watches after the server's timeout).\n";
  if (!png.empty()) notes += "\n![ferry-operator memory by Releases](" + png + ")\n";
  return notes;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const std::string machine = ferry::bench::MachineLine();
  ferry::bench::Table table{{"Releases", "Healthy", "load s", "adoption s", "ready s", "first pass s",
                             "restart writes", "baseline MiB", "RSS MiB", "peak MiB", "bytes/object",
                             "idle CPU %", "idle reads/min", "idle writes/min", "idle watches/min",
                             "RSS after idle MiB"},
                            {}};
  std::string csv = "releases,rss_mib,peak_mib,baseline_mib\n";
  for (int n : flags.sizes) {
    Figures f;
    const auto t0 = std::chrono::steady_clock::now();
    if (!MeasureSize(n, flags.idle_seconds, &f)) {
      std::fprintf(stderr, "measuring N=%d failed\n", n);
      return 1;
    }
    table.rows.push_back(Row(f));
    csv += Format("%d,%.1f,%.1f,%.1f\n", n, f.rss_mib, f.peak_mib, f.baseline_mib);
    std::fprintf(stderr, "N=%d done in %.0f s\n%s", n, ferry::bench::SecondsSince(t0), table.Text().c_str());
  }
  const std::string path = ferry::bench::ReportPath(argc, argv, FERRY_BENCHMARKS_MD);
  const std::string png =
      path.empty() ? "" : ferry::bench::WriteCsvAndPlot(FERRY_SOURCE_DIR, "operator_memory", "memory", csv);
  return ferry::bench::Report(path, "ferry-operator: memory, startup and idle cost by Releases",
                              ferry::bench::CommandLine(argc, argv), machine, table, Notes(flags, png))
             ? 0
             : 1;
}

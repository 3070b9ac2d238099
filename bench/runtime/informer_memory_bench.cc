// Informer memory: RSS of a process whose InformerFactory has synced N Releases and their N
// Deployments from kube-sim (goal: 10,000 Releases in under 100 MB), bytes per cached object and
// where they go.
//
// For each N a fresh kube-sim runs as a child; the Deployments have 0 replicas (kube-sim's
// Deployment controller writes their status and one ReplicaSet each, but runs no pods). A forked
// loader creates the objects; a second
// fork, which has touched nothing else, measures: VmRSS and malloc's in-use bytes after creating
// the client (baseline), then after both informers synced (their cache is the difference). It
// also parses the same objects' JSON once more to separate nlohmann::json's cost from the
// cache's own (keys, indexes, shared_ptr).
//
//   informer_memory_bench [--sizes 1000,10000,50000] [--record FILE | --no-record]
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/objects.h"
#include "bench/common/report.h"
#include "bench/common/sim_process.h"
#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/kube/client.h"
#include "operator/kube/config.h"
#include "operator/runtime/cache/informer_factory.h"

namespace {

using ferry::bench::Format;
using nlohmann::json;

constexpr int kLoaderThreads = 4;
constexpr char kNamespace[] = "bench";
const ferry::kube::ResourceRef kReleases{"ferry.dev", "v1alpha1", "releases", "Release", true};

double RssMiB() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

double HeapMiB() { return static_cast<double>(mallinfo2().uordblks) / 1048576.0; }

std::unique_ptr<ferry::kube::Client> NewClient(const std::string& kubeconfig) {
  auto config = ferry::kube::LoadConfig(kubeconfig, "");
  if (!config) return nullptr;
  config->qps = 0;  // unlimited: the loader measures nothing
  auto client = ferry::kube::Client::New(*config);
  return client ? std::move(*client) : nullptr;
}

// Creates N Deployments (with status) and N Releases (with status). Runs in a forked child.
int Load(const std::string& kubeconfig, int n) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kLoaderThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = NewClient(kubeconfig);
      if (!client) {
        ++failures;
        return;
      }
      for (int i = t; i < n; i += kLoaderThreads) {
        const std::string name = "svc-" + std::to_string(i);
        auto d = client->Create(ferry::kube::kDeployments,
                                ferry::bench::DeploymentObject(kNamespace, name, "v1", /*replicas=*/0));
        auto r = client->Create(kReleases, ferry::bench::ReleaseObject(kNamespace, name, "v1"));
        if (r) {
          (*r)["status"] = ferry::bench::ReleaseStatus("v1");
          r = client->UpdateStatus(kReleases, *r);
        }
        if (!d || !r) {
          if (failures++ == 0) {
            std::fprintf(stderr, "load: %s\n", (!d ? d.error() : r.error()).ToString().c_str());
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failures != 0) return 1;
  // kube-sim's Deployment controller writes every Deployment's status; wait for the last one so
  // the informers sync a settled cluster.
  auto client = NewClient(kubeconfig);
  const std::string last = "svc-" + std::to_string(n - 1);
  for (int i = 0; client && i < 1200; ++i) {
    auto d = client->Get(ferry::kube::kDeployments, kNamespace, last);
    if (d && d->contains("status") && (*d)["status"].contains("observedGeneration")) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "load: Deployment %s got no status from kube-sim in 120 s\n", last.c_str());
  return 1;
}

struct Figures {
  double rss_base = 0, rss_synced = 0, heap_base = 0, heap_synced = 0, sync_seconds = 0;
  double json_text_bytes = 0, json_dom_bytes = 0;  // per object, over both kinds
  long objects = 0;
};

// Syncs both informers and measures. Runs in a forked child; writes Figures to `fd`.
int Measure(const std::string& kubeconfig, int fd) {
  ferry::log::Configure(ferry::log::Level::kWarn, ferry::log::Format::kText);
  auto client = NewClient(kubeconfig);
  if (!client) return 1;
  Figures f;
  malloc_trim(0);
  f.rss_base = RssMiB();
  f.heap_base = HeapMiB();
  auto& clock = ferry::RealClock::Get();
  auto t0 = std::chrono::steady_clock::now();
  {
    ferry::cache::InformerFactory factory(*client, clock, {""});
    auto& releases = factory.For(kReleases);
    auto& deployments = factory.For(ferry::kube::kDeployments);
    releases.Start();
    deployments.Start();
    const auto deadline = clock.Now() + std::chrono::minutes(5);
    if (!releases.WaitForCacheSync(deadline) || !deployments.WaitForCacheSync(deadline)) return 1;
    f.sync_seconds = ferry::bench::SecondsSince(t0);
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the watches settle
    f.rss_synced = RssMiB();
    f.heap_synced = HeapMiB();
    // Where the bytes go: the cached objects' JSON text, and what parsing that text costs.
    std::vector<std::string> texts;
    for (auto* inf : {&releases, &deployments}) {
      for (const auto& obj : inf->indexer().List()) texts.push_back(obj->dump());
    }
    f.objects = static_cast<long>(texts.size());
    double text = 0;
    for (const auto& t : texts) text += static_cast<double>(t.size());
    const double before = HeapMiB();
    std::vector<json> parsed;
    parsed.reserve(texts.size());
    for (const auto& t : texts) parsed.push_back(json::parse(t));
    f.json_dom_bytes = (HeapMiB() - before) * 1048576.0 / static_cast<double>(f.objects);
    f.json_text_bytes = text / static_cast<double>(f.objects);
    releases.Stop();
    deployments.Stop();
  }
  return write(fd, &f, sizeof f) == static_cast<ssize_t>(sizeof f) ? 0 : 1;
}

// Forks, runs `fn` in the child, returns its exit code.
template <class F>
int InChild(F fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = ferry::bench::ParseArgs(
      argc, argv, {"--sizes"},
      "informer_memory_bench [--sizes 1000,10000,50000] [--record FILE | --no-record]\n"
      "  RSS of a process whose informers cached N Releases and N Deployments from kube-sim.\n");
  const std::vector<int> sizes =
      ferry::bench::IntList(args.count("--sizes") ? args.at("--sizes") : "1000,10000,50000");
  const std::string machine = ferry::bench::MachineLine();
  ferry::bench::Table table{{"Releases", "Deployments", "sync s", "RSS MiB", "RSS - baseline MiB",
                             "bytes/object (RSS)", "bytes/object (heap)", "JSON text B/obj", "json DOM B/obj"},
                            {}};
  for (int n : sizes) {
    ferry::bench::SimProcess sim;
    std::string error;
    if (!sim.Start(KUBE_SIM_PATH, {"--watch-history", "1000"}, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    const std::string crd = std::string(FERRY_SOURCE_DIR) + "/crds/ferry.dev_releases.yaml";
    if (sim.Kubectl(KUBECTL_PATH, "apply -f " + crd) != 0 ||
        sim.Kubectl(KUBECTL_PATH, "wait --for condition=established crd/releases.ferry.dev") != 0 ||
        sim.Kubectl(KUBECTL_PATH, std::string("create namespace ") + kNamespace) != 0) {
      std::fprintf(stderr, "cannot install the Release CRD with %s\n", KUBECTL_PATH);
      return 1;
    }
    auto t0 = std::chrono::steady_clock::now();
    if (InChild([&] { return Load(sim.kubeconfig(), n); }) != 0) return 1;
    std::fprintf(stderr, "loaded %d Releases + %d Deployments in %.1f s (kube-sim RSS %.0f MiB)\n", n, n,
                 ferry::bench::SecondsSince(t0), sim.RssMiB());
    int fds[2];
    if (pipe(fds) != 0) return 1;
    int code = InChild([&] { return Measure(sim.kubeconfig(), fds[1]); });
    close(fds[1]);
    Figures f;
    bool got = read(fds[0], &f, sizeof f) == static_cast<ssize_t>(sizeof f);
    close(fds[0]);
    if (code != 0 || !got) {
      std::fprintf(stderr, "measuring %d failed (exit %d)\n", n, code);
      return 1;
    }
    const double objs = 2.0 * n;
    table.rows.push_back({std::to_string(n), std::to_string(n), Format("%.1f", f.sync_seconds),
                          Format("%.1f", f.rss_synced), Format("%.1f", f.rss_synced - f.rss_base),
                          Format("%.0f", (f.rss_synced - f.rss_base) * 1048576.0 / objs),
                          Format("%.0f", (f.heap_synced - f.heap_base) * 1048576.0 / objs),
                          Format("%.0f", f.json_text_bytes), Format("%.0f", f.json_dom_bytes)});
  }
  const std::string notes =
      "RSS is the measuring process's VmRSS after both informers synced (list in pages of 500, then "
      "watch); baseline = the same process with its client but no informer. bytes/object (heap) = "
      "malloc's in-use bytes (mallinfo2) over the cache, per cached object (Releases + Deployments). "
      "JSON text = the cached object serialized (managedFields already stripped by the informer's "
      "transform); json DOM = heap bytes nlohmann::json needs to hold that object parsed. The cache "
      "costs about the DOM per object plus its key, namespace/owner index entries and shared_ptr; "
      "RSS above heap is malloc arenas and fragmentation left by the list pages.\n";
  std::string path = ferry::bench::ReportPath(argc, argv, FERRY_BENCHMARKS_MD);
  return ferry::bench::Report(path, "Informer memory: Releases + Deployments cached from kube-sim",
                              ferry::bench::CommandLine(argc, argv), machine, table, notes)
             ? 0
             : 1;
}

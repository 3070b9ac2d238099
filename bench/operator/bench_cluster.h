// The cluster side of the operator benchmarks: kube-sim with Ferry's CRDs and the namespace
// "bench", N Releases "svc-<i>" with their target Deployments created by parallel unthrottled
// clients, version changes as merge patches, and an "adoption" run of ferry-operator that
// brings every Release to Healthy so that measured runs start from a settled cluster.
// Header-only. Benchmarks only.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/objects.h"
#include "bench/common/report.h"
#include "bench/common/sim_process.h"
#include "bench/operator/operator_process.h"
#include "operator/kube/client.h"
#include "operator/kube/config.h"

namespace ferry::bench {

inline const kube::ResourceRef kReleases{"ferry.dev", "v1alpha1", "releases", "Release", true};
inline constexpr char kBenchNs[] = "bench";
inline constexpr int kLoaderThreads = 4;
// The largest --qps / --burst ferry-operator accepts: the flag has no "unlimited" value (it wants
// a number > 0), and at a million tokens per second the bucket never makes a request wait.
inline const std::vector<std::string> kUnlimitedQps = {"--qps=1000000", "--burst=1000000"};

inline std::string ReleaseName(int i) { return "svc-" + std::to_string(i); }
// ReleaseName's inverse; -1 for another name.
inline int ReleaseIndex(const std::string& name) {
  return name.starts_with("svc-") ? std::atoi(name.c_str() + 4) : -1;
}

// A client without client-side rate limiting (the benchmark's own requests measure nothing).
inline std::unique_ptr<kube::Client> NewClient(const std::string& kubeconfig) {
  auto config = kube::LoadConfig(kubeconfig, "");
  if (!config) return nullptr;
  config->qps = 0;
  config->user_agent = "ferry-bench";
  auto client = kube::Client::New(*config);
  return client ? std::move(*client) : nullptr;
}

// Starts kube-sim with `args`, installs crds/ with kubectl and creates `namespaces`.
inline bool StartCluster(SimProcess& sim, const std::vector<std::string>& args,
                         const std::vector<std::string>& namespaces, std::string* error) {
  if (!sim.Start(KUBE_SIM_PATH, args, error)) return false;
  const std::string crds = std::string(FERRY_SOURCE_DIR) + "/crds/";
  bool ok = sim.Kubectl(KUBECTL_PATH, "apply -f " + crds + "ferry.dev_releases.yaml -f " + crds +
                                          "ferry.dev_pipelines.yaml") == 0 &&
            sim.Kubectl(KUBECTL_PATH, "wait --for condition=established crd/releases.ferry.dev "
                                      "crd/pipelines.ferry.dev") == 0;
  for (const auto& ns : namespaces) ok = ok && sim.Kubectl(KUBECTL_PATH, "create namespace " + ns) == 0;
  if (!ok) *error = std::string("cannot install the CRDs or namespaces with ") + KUBECTL_PATH;
  return ok;
}

struct LoadSpec {
  int count = 0;
  int replicas = 0;            // of each target Deployment (0: no pods)
  bool with_analysis = false;  // the Release of objects.h with its analysis steps and metrics
  nlohmann::json steps;        // replaces the canary steps when not null
  bool targets = true;         // false: Releases only (their target is missing)
  std::string ns = kBenchNs;
};

inline nlohmann::json BenchRelease(const LoadSpec& spec, int i, const std::string& version) {
  nlohmann::json r = ReleaseObject(spec.ns, ReleaseName(i), version, spec.with_analysis);
  if (!spec.steps.is_null()) r["spec"]["strategy"]["canary"]["steps"] = spec.steps;
  return r;
}

// Creates Deployment + Release svc-<i> for i < spec.count at version "v1" with kLoaderThreads
// clients. Returns the seconds it took, or -1 (message on stderr).
inline double LoadReleases(const std::string& kubeconfig, const LoadSpec& spec) {
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kLoaderThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = NewClient(kubeconfig);
      for (int i = t; client && i < spec.count && failures == 0; i += kLoaderThreads) {
        if (spec.targets) {
          auto d = client->Create(kube::kDeployments, DeploymentObject(spec.ns, ReleaseName(i), "v1", spec.replicas));
          if (!d && failures++ == 0) std::fprintf(stderr, "load: %s\n", d.error().ToString().c_str());
        }
        auto r = client->Create(kReleases, BenchRelease(spec, i, "v1"));
        if (!r && failures++ == 0) std::fprintf(stderr, "load: %s\n", r.error().ToString().c_str());
      }
      if (!client) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  return failures == 0 ? SecondsSince(t0) : -1;
}

// The merge patch that moves Release svc-<i> to `version` (spec.version and its template).
inline nlohmann::json VersionPatch(const LoadSpec& spec, int i, const std::string& version) {
  nlohmann::json r = BenchRelease(spec, i, version);
  return {{"spec", {{"version", version}, {"template", r["spec"]["template"]}}}};
}

// Runs ferry-operator with unlimited qps and 8 workers until every Release is adopted (Healthy)
// and nothing is written any more, then stops it. Returns the seconds from start to the last
// request, or -1 (message on stderr).
inline double Adopt(const SimProcess& sim, int releases, const std::vector<std::string>& extra = {}) {
  OperatorProcess op;
  std::string error;
  std::vector<std::string> flags = kUnlimitedQps;
  flags.push_back("--workers=8");
  flags.insert(flags.end(), extra.begin(), extra.end());
  if (!op.Start(FERRY_OPERATOR_PATH, sim.kubeconfig(), sim.dir() + "/adopt.log", flags, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return -1;
  }
  const double ready = op.WaitReady(std::chrono::seconds(600));
  const double settled = ready < 0 ? -1
                                   : op.WaitSettled(releases, std::chrono::milliseconds(3000),
                                                    std::chrono::seconds(1800));
  if (settled < 0) std::fprintf(stderr, "adoption run did not settle (log: %s/adopt.log)\n", sim.dir().c_str());
  op.Stop();
  return settled < 0 ? -1 : ready + settled;
}

// Counts the Releases in `ns` whose status.phase is `phase` (one paged list).
inline int CountPhase(kube::Client& client, const std::string& ns, const std::string& phase) {
  auto list = client.ListAll(kReleases, ns);
  if (!list) return -1;
  int n = 0;
  for (const auto& r : (*list)["items"]) {
    if (r.value("/status/phase"_json_pointer, std::string()) == phase) ++n;
  }
  return n;
}

}  // namespace ferry::bench

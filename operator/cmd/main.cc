// ferry-operator: flags -> logging -> Kubernetes client -> Manager (endpoints, caches, leader
// election, controllers) until SIGTERM/SIGINT. Exit codes: 0 clean shutdown, 1 runtime failure
// (no API server, leadership lost), 2 bad command line.
//
// Each controller layer exposes a setup function (SetupWithManager style, see
// runtime/manager/setup.h); kSetups lists them in the order they are wired.
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/controllers/pipeline/setup.h"
#include "operator/controllers/release/setup.h"
#include "operator/kube/client.h"
#include "operator/metrics/kube_hook.h"
#include "operator/metrics/registry.h"
#include "operator/runtime/cache/informer_factory.h"
#include "operator/runtime/controller/handlers.h"
#include "operator/runtime/events/kube_event_sink.h"
#include "operator/runtime/leaderelection/kube_lease_client.h"
#include "operator/runtime/manager/manager.h"
#include "operator/runtime/manager/setup.h"
#include "operator/runtime/manager/signals.h"

namespace {

using ferry::log::Logger;
using SetupFunc = ferry::Result<std::unique_ptr<ferry::manager::Component>> (*)(
    ferry::manager::SetupContext&);

// The controllers this binary runs, each with its setup function.
constexpr std::pair<const char*, SetupFunc> kSetups[] = {
    {"pipeline", &ferry::pipeline::SetupPipelineController},
    {"release", &ferry::release::SetupReleaseController},
};

// "<hostname>_<8 random hex digits>": unique per process, readable in the Lease.
std::string Identity() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "ferry-operator");
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string(host) + "_" + suffix;
}

int Run(const ferry::manager::Options& opts) {
  Logger log("setup");
  auto config = ferry::kube::LoadConfig(opts.kubeconfig, opts.context);
  if (!config) {
    log.Error("cannot load the Kubernetes configuration", {{"error", config.error().ToString()}});
    return 1;
  }
  config->qps = opts.qps;
  config->burst = opts.burst;
  ferry::metrics::Registry registry(FERRY_VERSION);
  ferry::kube::ClientOptions client_options;
  client_options.hook = ferry::metrics::KubeRequestHook(registry);
  auto client = ferry::kube::Client::New(*config, client_options);
  if (!client) {
    log.Error("cannot create the Kubernetes client", {{"error", client.error().ToString()}});
    return 1;
  }
  log.Info("configured", {{"source", config->source}, {"server", config->server},
                          {"namespace", opts.namespace_.empty() ? "<all>" : opts.namespace_},
                          {"instanceId", opts.instance_id}, {"workers", opts.workers}});

  ferry::manager::ManagerOptions mo;
  mo.metrics_bind_address = opts.metrics_bind_address;
  mo.health_probe_bind_address = opts.health_probe_bind_address;
  mo.graceful_shutdown_timeout = opts.graceful_shutdown_timeout;
  ferry::manager::Manager manager(mo, ferry::RealClock::Get(), &registry);

  std::string lease_ns = opts.leader_election_namespace.empty() ? (*client)->default_namespace()
                                                                : opts.leader_election_namespace;
  // --instance-id shards the primary resources; the objects they own are found through them.
  ferry::cache::InformerFactory informers(
      **client, ferry::RealClock::Get(),
      {opts.namespace_, ferry::controller::ShardLabelSelector(opts.instance_id),
       {"releases.ferry.dev", "pipelines.ferry.dev"}});
  ferry::events::KubeEventSink event_sink(**client);
  ferry::events::RecorderOptions recorder_options;
  const std::string identity = Identity();
  recorder_options.instance = identity;
  ferry::events::EventRecorder events(event_sink, ferry::RealClock::Get(), recorder_options);
  ferry::manager::SetupContext setup{opts,    **client,   ferry::RealClock::Get(), registry,
                                     manager, informers, events};
  std::vector<std::unique_ptr<ferry::manager::Component>> components;
  for (const auto& [name, fn] : kSetups) {
    if (fn == nullptr) continue;
    auto component = fn(setup);
    if (!component) {
      log.Error("cannot set up a controller", {{"controller", name},
                                                {"error", component.error().message}});
      return 1;
    }
    components.push_back(std::move(*component));
  }
  for (auto* informer : informers.All()) manager.AddInformer(informer);

  ferry::leaderelection::KubeLeaseClient lease(**client, lease_ns, opts.leader_election_id);
  if (opts.leader_elect) {
    ferry::leaderelection::LeaderElectionConfig election;
    election.identity = identity;
    election.lease_duration = opts.leader_elect_lease_duration;
    election.renew_deadline = opts.leader_elect_renew_deadline;
    election.retry_period = opts.leader_elect_retry_period;
    manager.SetLeaderElection(&lease, std::move(election));
  }

  ferry::manager::WatchShutdownSignals([&manager] { manager.Stop(); });
  ferry::Status st = manager.Run();
  if (!st) {
    log.Error("manager stopped with an error", {{"error", st.error().message}});
    return 1;
  }
  events.Stop();
  log.Info("stopped cleanly");
  return 0;
}

}  // namespace

// jemalloc's options, read at its start when it is linked (FERRY_JEMALLOC, the default build):
// two arenas, and pages a reconcile pass freed purged after a second by a background thread
// rather than kept dirty. With its defaults jemalloc held 210 MiB at 10,000 Releases; with these
// 73 MiB, below glibc's 94 (docs/BENCHMARKS.md).
extern "C" {
const char* malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0,background_thread:true";
}

int main(int argc, char** argv) {
  // Without jemalloc (sanitizer builds, FERRY_JEMALLOC=OFF): glibc gives each thread that
  // allocates its own arena (up to 8 per core), and the HTTP client's thread pool spreads the
  // caches' churn over many half-empty arenas. Two arenas cut RSS by about a quarter.
  mallopt(M_ARENA_MAX, 2);
  ferry::manager::BlockShutdownSignals();  // before any thread starts
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = ferry::manager::ParseOptions(args);
  if (!opts) {
    std::cerr << "ferry-operator: " << opts.error().message << "\n";
    return 2;
  }
  if (opts->help) {
    std::cout << ferry::manager::Usage("ferry-operator");
    return 0;
  }
  ferry::log::Configure(opts->log_level, opts->log_format);
  return Run(*opts);
}

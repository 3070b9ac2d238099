// Manager: runs the operator's parts in controller-runtime's order and stops them cleanly.
//
// Start (Run):
//   1. HTTP endpoints: /metrics on the metrics address, /healthz and /readyz on the health-probe
//      address. They serve on every replica, leader or not; /readyz answers 200 only once every
//      informer has synced.
//   2. Informers: started, then waited for (cache_sync_timeout, 2 min by default) so no
//      controller ever reconciles from a partial cache.
//   3. Leader election (when enabled): blocks until this replica holds the Lease.
//   4. Controllers: their workers start.
// Stop (Stop(), e.g. on SIGTERM/SIGINT): the controllers stop taking keys; in-flight reconciles
// may finish within graceful_shutdown_timeout; then the Lease is released (so a standby takes
// over at once), informers stop and the endpoints close. Run then returns OK: exit code 0.
// Leadership lost: leader work must stop at once, so the process exits with status 1 right
// away (controller-runtime does the same), unless exit_on_leadership_lost is false (tests): then
// Run returns an error after stopping the controllers.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/metrics/http_server.h"
#include "operator/metrics/registry.h"
#include "operator/runtime/cache/shared_informer.h"
#include "operator/runtime/controller/controller.h"
#include "operator/runtime/leaderelection/leader_elector.h"
#include "operator/runtime/manager/health.h"
#include "operator/runtime/manager/options.h"

namespace ferry::manager {

struct ManagerOptions {
  std::string metrics_bind_address = ":8080";       // "0" disables
  std::string health_probe_bind_address = ":8081";  // "0" disables
  Clock::Duration cache_sync_timeout = kDefaultCacheSyncTimeout;
  Clock::Duration graceful_shutdown_timeout = kDefaultGracefulShutdownTimeout;
  bool exit_on_leadership_lost = true;
};

class Manager {
 public:
  // `registry` (may be null) is served on /metrics.
  Manager(ManagerOptions options, Clock& clock, metrics::Registry* registry);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Registration, before Run. The Manager does not own these objects.
  void AddInformer(cache::SharedInformer* informer);
  void AddController(controller::Controller* controller);
  // Enables leader election on `client`; callbacks in `config` are set by the Manager.
  void SetLeaderElection(leaderelection::LeaseClient* client,
                         leaderelection::LeaderElectionConfig config);
  void AddHealthzCheck(const std::string& name, Check check) { healthz_.Add(name, std::move(check)); }
  void AddReadyzCheck(const std::string& name, Check check) { readyz_.Add(name, std::move(check)); }

  // Starts everything in order and blocks until Stop() (OK) or a failure (error).
  Status Run();
  // Thread-safe; may be called before or during Run.
  void Stop();

  // Bound ports (after Run has started the endpoints; 0 when disabled). For tests.
  int metrics_port() const;
  int health_port() const;
  // True once the controllers have been started (this replica leads, or needs no election).
  bool controllers_started() const;

 private:
  Status StartEndpoints();
  Status WaitForCaches();
  Status WaitForLeadership();
  void Shutdown();
  bool Stopping() const;

  ManagerOptions options_;
  Clock& clock_;
  metrics::Registry* registry_;
  log::Logger log_;
  HealthChecks healthz_{"healthz"};
  HealthChecks readyz_{"readyz"};
  std::vector<cache::SharedInformer*> informers_;
  std::vector<controller::Controller*> controllers_;
  leaderelection::LeaseClient* lease_client_ = nullptr;
  leaderelection::LeaderElectionConfig election_config_;
  std::unique_ptr<leaderelection::LeaderElector> elector_;
  std::thread elector_thread_;
  std::unique_ptr<metrics::HttpServer> metrics_server_;
  std::unique_ptr<metrics::HttpServer> health_server_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  bool leading_ = false;
  bool lost_ = false;
  bool controllers_started_ = false;
};

}  // namespace ferry::manager

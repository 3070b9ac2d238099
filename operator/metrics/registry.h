// Registry: Ferry's Prometheus metrics, implemented with prometheus-cpp and named as
// controller-runtime and client-go name theirs, with the ferry_ prefix:
//
//   ferry_rest_client_requests_total{verb,resource,code}          API requests (kube client hook)
//   ferry_rest_client_request_duration_seconds{verb,resource}      their latency
//   ferry_workqueue_depth{name}                                    keys waiting
//   ferry_workqueue_adds_total{name}
//   ferry_workqueue_queue_duration_seconds{name}                   time from Add to Get
//   ferry_workqueue_work_duration_seconds{name}                    time from Get to Done
//   ferry_workqueue_retries_total{name}
//   ferry_workqueue_unfinished_work_seconds{name}                  age sum of in-flight keys
//   ferry_workqueue_longest_running_processor_seconds{name}
//   ferry_reconcile_total{controller,result=success|error|requeue|requeue_after}
//   ferry_reconcile_errors_total{controller}
//   ferry_terminal_reconcile_errors_total{controller}
//   ferry_reconcile_panics_total{controller}                       exceptions caught
//   ferry_reconcile_time_seconds{controller}
//   ferry_active_workers{controller}, ferry_max_concurrent_reconciles{controller}
//   ferry_leader_election_master_status{name}                      1 while leading
//   ferry_build_info{version}                                      always 1
//
// prometheus-cpp types stay inside registry.cc: including this header costs nothing.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/metrics/hooks.h"

namespace prometheus {
class Collectable;
class Registry;
}

namespace ferry::metrics {

class Registry final : public QueueMetricsProvider,
                       public ReconcileMetrics,
                       public LeaderMetrics,
                       public RequestMetrics {
 public:
  explicit Registry(const std::string& version);
  ~Registry() override;

  // The Prometheus text exposition format (version 0.0.4) of every metric.
  std::string Serialize() const;
  std::shared_ptr<prometheus::Registry> prometheus_registry() const;
  // Adds a source of series computed when scraped, as kube-state-metrics generates its series
  // from its cache: for per-object series, where a prometheus-cpp child per object would cost
  // about 400 bytes of labels each. Served until `c` expires.
  void AddCollectable(std::weak_ptr<prometheus::Collectable> c);

  std::unique_ptr<QueueMetrics> ForQueue(const std::string& name) override;
  void ObserveReconcile(const std::string& controller, ReconcileResultKind result,
                        double seconds) override;
  void IncTerminalError(const std::string& controller) override;
  void IncPanic(const std::string& controller) override;
  void AddActiveWorkers(const std::string& controller, int delta) override;
  void SetMaxConcurrentReconciles(const std::string& controller, int n) override;
  void SetLeader(const std::string& lease_name, bool leading) override;
  void ObserveRequest(std::string_view verb, std::string_view resource, std::string_view code,
                      double seconds) override;

  struct Families;  // opaque: the prometheus-cpp families

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
  mutable std::mutex collectables_mu_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
};

}  // namespace ferry::metrics

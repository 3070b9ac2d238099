#include "operator/metrics/registry.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace ferry::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// client-go's rest_client_request_duration_seconds buckets.
const Histogram::BucketBoundaries kRequestBuckets = {0.005, 0.025, 0.1, 0.25, 0.5, 1,
                                                     2,     4,     8,   15,   30,  60};
// client-go's workqueue buckets: 10 ns .. 10 s, factor 10.
const Histogram::BucketBoundaries kQueueBuckets = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4,
                                                   1e-3, 1e-2, 1e-1, 1,    10};
// controller-runtime's reconcile_time_seconds buckets.
const Histogram::BucketBoundaries kReconcileBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
    0.7,   0.8,  0.9,   1.0,  1.25, 1.5, 1.75, 2.0, 2.5, 3.0,  3.5, 4.0,  4.5, 5,
    6,     7,    8,     9,    10,   15,  20,   25,  30,  40,   50,  60};

Family<Counter>& CounterFamily(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
Family<Gauge>& GaugeFamily(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
Family<Histogram>& HistogramFamily(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

}  // namespace

struct Registry::Families {
  explicit Families(prometheus::Registry& r)
      : requests(CounterFamily(r, "ferry_rest_client_requests_total",
                               "Number of HTTP requests to the API server, by verb, resource and status code.")),
        request_latency(HistogramFamily(r, "ferry_rest_client_request_duration_seconds",
                                        "Latency of API server requests, by verb and resource.")),
        depth(GaugeFamily(r, "ferry_workqueue_depth", "Current depth of the work queue.")),
        adds(CounterFamily(r, "ferry_workqueue_adds_total", "Total number of adds handled by the work queue.")),
        queue_duration(HistogramFamily(r, "ferry_workqueue_queue_duration_seconds",
                                       "How long in seconds an item stays in the work queue before being requested.")),
        work_duration(HistogramFamily(r, "ferry_workqueue_work_duration_seconds",
                                      "How long in seconds processing an item from the work queue takes.")),
        retries(CounterFamily(r, "ferry_workqueue_retries_total", "Total number of retries handled by the work queue.")),
        unfinished(GaugeFamily(r, "ferry_workqueue_unfinished_work_seconds",
                               "Seconds of work in progress not yet observed by work_duration; large values suggest stuck workers.")),
        longest(GaugeFamily(r, "ferry_workqueue_longest_running_processor_seconds",
                            "Seconds the longest running processor of the work queue has been running.")),
        reconcile_total(CounterFamily(r, "ferry_reconcile_total", "Total number of reconciliations per controller and result.")),
        reconcile_errors(CounterFamily(r, "ferry_reconcile_errors_total", "Total number of reconciliation errors per controller.")),
        terminal_errors(CounterFamily(r, "ferry_terminal_reconcile_errors_total",
                                      "Total number of terminal (not retried) reconciliation errors per controller.")),
        panics(CounterFamily(r, "ferry_reconcile_panics_total",
                             "Total number of exceptions caught from reconcilers per controller.")),
        reconcile_time(HistogramFamily(r, "ferry_reconcile_time_seconds", "Length of time per reconciliation per controller.")),
        active_workers(GaugeFamily(r, "ferry_active_workers", "Number of currently used workers per controller.")),
        max_workers(GaugeFamily(r, "ferry_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller.")),
        leader(GaugeFamily(r, "ferry_leader_election_master_status",
                           "1 while this replica holds the leader election lease, 0 otherwise.")),
        build_info(GaugeFamily(r, "ferry_build_info", "Build information of the running binary; always 1.")) {}

  Family<Counter>& requests;
  Family<Histogram>& request_latency;
  Family<Gauge>& depth;
  Family<Counter>& adds;
  Family<Histogram>& queue_duration;
  Family<Histogram>& work_duration;
  Family<Counter>& retries;
  Family<Gauge>& unfinished;
  Family<Gauge>& longest;
  Family<Counter>& reconcile_total;
  Family<Counter>& reconcile_errors;
  Family<Counter>& terminal_errors;
  Family<Counter>& panics;
  Family<Histogram>& reconcile_time;
  Family<Gauge>& active_workers;
  Family<Gauge>& max_workers;
  Family<Gauge>& leader;
  Family<Gauge>& build_info;
};

namespace {

class PrometheusQueueMetrics final : public QueueMetrics {
 public:
  PrometheusQueueMetrics(Registry::Families& f, const std::string& name)
      : depth_(f.depth.Add({{"name", name}})),
        adds_(f.adds.Add({{"name", name}})),
        queue_(f.queue_duration.Add({{"name", name}}, kQueueBuckets)),
        work_(f.work_duration.Add({{"name", name}}, kQueueBuckets)),
        retries_(f.retries.Add({{"name", name}})),
        unfinished_(f.unfinished.Add({{"name", name}})),
        longest_(f.longest.Add({{"name", name}})) {}
  void SetDepth(double d) override { depth_.Set(d); }
  void IncAdds() override { adds_.Increment(); }
  void ObserveQueueDuration(double s) override { queue_.Observe(s); }
  void ObserveWorkDuration(double s) override { work_.Observe(s); }
  void IncRetries() override { retries_.Increment(); }
  void SetUnfinishedWork(double s) override { unfinished_.Set(s); }
  void SetLongestRunningProcessor(double s) override { longest_.Set(s); }

 private:
  Gauge& depth_;
  Counter& adds_;
  Histogram& queue_;
  Histogram& work_;
  Counter& retries_;
  Gauge& unfinished_;
  Gauge& longest_;
};

}  // namespace

Registry::Registry(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()),
      f_(std::make_unique<Families>(*registry_)) {
  f_->build_info.Add({{"version", version}}).Set(1);
}

Registry::~Registry() = default;

std::shared_ptr<prometheus::Registry> Registry::prometheus_registry() const { return registry_; }

std::string Registry::Serialize() const {
  auto families = registry_->Collect();
  std::lock_guard g(collectables_mu_);
  for (const auto& weak : collectables_) {
    if (auto c = weak.lock()) {
      auto more = c->Collect();
      families.insert(families.end(), std::make_move_iterator(more.begin()),
                      std::make_move_iterator(more.end()));
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

void Registry::AddCollectable(std::weak_ptr<prometheus::Collectable> c) {
  std::lock_guard g(collectables_mu_);
  std::erase_if(collectables_, [](const auto& w) { return w.expired(); });
  collectables_.push_back(std::move(c));
}

std::unique_ptr<QueueMetrics> Registry::ForQueue(const std::string& name) {
  return std::make_unique<PrometheusQueueMetrics>(*f_, name);
}

void Registry::ObserveReconcile(const std::string& controller, ReconcileResultKind result,
                                double seconds) {
  f_->reconcile_total.Add({{"controller", controller},
                           {"result", std::string(ReconcileResultLabel(result))}})
      .Increment();
  if (result == ReconcileResultKind::kError) {
    f_->reconcile_errors.Add({{"controller", controller}}).Increment();
  }
  f_->reconcile_time.Add({{"controller", controller}}, kReconcileBuckets).Observe(seconds);
}

void Registry::IncTerminalError(const std::string& controller) {
  f_->terminal_errors.Add({{"controller", controller}}).Increment();
}

void Registry::IncPanic(const std::string& controller) {
  f_->panics.Add({{"controller", controller}}).Increment();
}

void Registry::AddActiveWorkers(const std::string& controller, int delta) {
  f_->active_workers.Add({{"controller", controller}}).Increment(delta);
}

void Registry::SetMaxConcurrentReconciles(const std::string& controller, int n) {
  f_->max_workers.Add({{"controller", controller}}).Set(n);
  // Pre-create every series so dashboards and rate() see zeros rather than gaps.
  for (auto r : {ReconcileResultKind::kSuccess, ReconcileResultKind::kError,
                 ReconcileResultKind::kRequeue, ReconcileResultKind::kRequeueAfter}) {
    f_->reconcile_total.Add({{"controller", controller},
                             {"result", std::string(ReconcileResultLabel(r))}});
  }
  f_->reconcile_errors.Add({{"controller", controller}});
  f_->terminal_errors.Add({{"controller", controller}});
  f_->panics.Add({{"controller", controller}});
  f_->active_workers.Add({{"controller", controller}});
}

void Registry::SetLeader(const std::string& lease_name, bool leading) {
  f_->leader.Add({{"name", lease_name}}).Set(leading ? 1 : 0);
}

void Registry::ObserveRequest(std::string_view verb, std::string_view resource,
                              std::string_view code, double seconds) {
  f_->requests.Add({{"verb", std::string(verb)}, {"resource", std::string(resource)},
                    {"code", std::string(code)}})
      .Increment();
  f_->request_latency.Add({{"verb", std::string(verb)}, {"resource", std::string(resource)}},
                          kRequestBuckets)
      .Observe(seconds);
}

}  // namespace ferry::metrics

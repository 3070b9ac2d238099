#include "operator/controllers/release/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <set>

namespace ferry::release {
namespace {

using Labels = std::map<std::string, std::string>;

// Rollouts take minutes to hours: 30 s .. 4 h.
const prometheus::Histogram::BucketBoundaries kDurationBuckets = {
    30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400};

Labels Of(const std::string& ns, const std::string& release) {
  return {{"namespace", ns}, {"release", release}};
}

template <class M>
void RemoveMatching(prometheus::Family<M>& family, const std::set<Labels>& labels) {
  for (const auto& l : labels) family.Remove(&family.Add(l));
}

// The per-Release state gauges, generated when scraped from one compact row per Release:
// ~100 bytes each instead of three prometheus-cpp children (~1.3 KB of label maps) at 10,000
// Releases.
class ReleaseStateGauges final : public prometheus::Collectable {
 public:
  struct Row {
    std::string phase;
    double weight = 0;
    double step = 0;
  };

  void Set(const std::string& ns, const std::string& release, Row row) {
    std::lock_guard g(mu_);
    rows_[{ns, release}] = std::move(row);
  }
  void Erase(const std::string& ns, const std::string& release) {
    std::lock_guard g(mu_);
    rows_.erase({ns, release});
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out = {
        Family("ferry_release_info", "1 for the current phase of each Release (label phase)."),
        Family("ferry_release_canary_weight",
               "Percent of traffic (or replica share) the canary has now."),
        Family("ferry_release_current_step",
               "Index of the canary step the rollout is at (0 when idle).")};
    std::lock_guard g(mu_);
    for (auto& f : out) f.metric.reserve(rows_.size());
    for (const auto& [key, row] : rows_) {
      const auto& [ns, release] = key;
      out[0].metric.push_back(Sample({{"namespace", ns}, {"phase", row.phase}, {"release", release}}, 1));
      out[1].metric.push_back(Sample({{"namespace", ns}, {"release", release}}, row.weight));
      out[2].metric.push_back(Sample({{"namespace", ns}, {"release", release}}, row.step));
    }
    return out;
  }

 private:
  static prometheus::MetricFamily Family(const char* name, const char* help) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = prometheus::MetricType::Gauge;
    return f;
  }
  // `labels` sorted by name, as prometheus-cpp's own families write them.
  static prometheus::ClientMetric Sample(std::vector<prometheus::ClientMetric::Label> labels,
                                         double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    return m;
  }

  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Row> rows_;
};

}  // namespace

struct ReleaseMetrics::Impl {
  explicit Impl(prometheus::Registry& r)
      : states(std::make_shared<ReleaseStateGauges>()),
        duration(prometheus::BuildHistogram()
                     .Name("ferry_release_rollout_duration_seconds")
                     .Help("Duration of rollouts that ended, by result.")
                     .Register(r)),
        promotions(prometheus::BuildCounter()
                       .Name("ferry_release_promotions_total")
                       .Help("Rollouts that ended promoted.")
                       .Register(r)),
        rollbacks(prometheus::BuildCounter()
                      .Name("ferry_release_rollbacks_total")
                      .Help("Rollouts rolled back, by reason.")
                      .Register(r)) {}

  std::shared_ptr<ReleaseStateGauges> states;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Family<prometheus::Counter>& promotions;
  prometheus::Family<prometheus::Counter>& rollbacks;

  std::mutex mu;
  // Label sets of the per-Release series with extra labels, for Forget.
  std::map<std::pair<std::string, std::string>, std::set<Labels>> durations, rollback_sets;
};

ReleaseMetrics::ReleaseMetrics(metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(*registry.prometheus_registry())) {
  registry.AddCollectable(impl_->states);
}

ReleaseMetrics::~ReleaseMetrics() = default;

void ReleaseMetrics::Observe(const std::string& ns, const std::string& release,
                             const api::ReleaseStatus& status) {
  impl_->states->Set(ns, release,
                     {status.phase.empty() ? std::string(api::kReleasePending) : status.phase,
                      static_cast<double>(status.canaryWeight),
                      static_cast<double>(status.currentStepIndex.value_or(0))});
}

void ReleaseMetrics::Complete(const std::string& ns, const std::string& release,
                              const Completion& c) {
  auto& f = *impl_;
  std::lock_guard g(f.mu);
  auto key = std::make_pair(ns, release);
  Labels d = Of(ns, release);
  d["result"] = c.result;
  f.duration.Add(d, kDurationBuckets)
      .Observe(std::chrono::duration<double>(c.duration).count());
  f.durations[key].insert(d);
  if (c.result == api::kResultPromoted) {
    f.promotions.Add(Of(ns, release)).Increment();
  } else if (c.result == api::kResultRolledBack) {
    Labels r = Of(ns, release);
    r["reason"] = c.reason;
    f.rollbacks.Add(r).Increment();
    f.rollback_sets[key].insert(r);
  }
}

void ReleaseMetrics::Forget(const std::string& ns, const std::string& release) {
  auto& f = *impl_;
  std::lock_guard g(f.mu);
  auto key = std::make_pair(ns, release);
  f.states->Erase(ns, release);
  for (const auto& l : f.durations[key]) f.duration.Remove(&f.duration.Add(l, kDurationBuckets));
  f.durations.erase(key);
  RemoveMatching(f.rollbacks, f.rollback_sets[key]);
  f.rollback_sets.erase(key);
  f.promotions.Remove(&f.promotions.Add(Of(ns, release)));
}

}  // namespace ferry::release

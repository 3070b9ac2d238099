#include "operator/controllers/release/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
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

}  // namespace

struct ReleaseMetrics::Impl {
  explicit Impl(prometheus::Registry& r)
      : info(prometheus::BuildGauge()
                 .Name("ferry_release_info")
                 .Help("1 for the current phase of each Release (label phase).")
                 .Register(r)),
        weight(prometheus::BuildGauge()
                   .Name("ferry_release_canary_weight")
                   .Help("Percent of traffic (or replica share) the canary has now.")
                   .Register(r)),
        step(prometheus::BuildGauge()
                 .Name("ferry_release_current_step")
                 .Help("Index of the canary step the rollout is at (0 when idle).")
                 .Register(r)),
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

  prometheus::Family<prometheus::Gauge>& info;
  prometheus::Family<prometheus::Gauge>& weight;
  prometheus::Family<prometheus::Gauge>& step;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Family<prometheus::Counter>& promotions;
  prometheus::Family<prometheus::Counter>& rollbacks;

  std::mutex mu;
  std::map<std::pair<std::string, std::string>, std::string> phase;  // last phase exposed
  // Label sets of the per-Release series with extra labels, for Forget.
  std::map<std::pair<std::string, std::string>, std::set<Labels>> durations, rollback_sets;
};

ReleaseMetrics::ReleaseMetrics(metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(*registry.prometheus_registry())) {}

ReleaseMetrics::~ReleaseMetrics() = default;

void ReleaseMetrics::Observe(const std::string& ns, const std::string& release,
                             const api::ReleaseStatus& status) {
  auto& f = *impl_;
  std::lock_guard g(f.mu);
  auto key = std::make_pair(ns, release);
  std::string phase = status.phase.empty() ? std::string(api::kReleasePending) : status.phase;
  auto it = f.phase.find(key);
  if (it != f.phase.end() && it->second != phase) {
    Labels old = Of(ns, release);
    old["phase"] = it->second;
    f.info.Remove(&f.info.Add(old));
  }
  Labels now = Of(ns, release);
  now["phase"] = phase;
  f.info.Add(now).Set(1);
  f.phase[key] = phase;
  f.weight.Add(Of(ns, release)).Set(status.canaryWeight);
  f.step.Add(Of(ns, release)).Set(status.currentStepIndex.value_or(0));
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
  if (auto it = f.phase.find(key); it != f.phase.end()) {
    Labels l = Of(ns, release);
    l["phase"] = it->second;
    f.info.Remove(&f.info.Add(l));
    f.phase.erase(it);
    f.weight.Remove(&f.weight.Add(Of(ns, release)));
    f.step.Remove(&f.step.Add(Of(ns, release)));
  }
  for (const auto& l : f.durations[key]) f.duration.Remove(&f.duration.Add(l, kDurationBuckets));
  f.durations.erase(key);
  RemoveMatching(f.rollbacks, f.rollback_sets[key]);
  f.rollback_sets.erase(key);
  f.promotions.Remove(&f.promotions.Add(Of(ns, release)));
}

}  // namespace ferry::release

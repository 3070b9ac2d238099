#include "operator/controllers/pipeline/metrics.h"

#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "operator/metrics/registry.h"

namespace ferry::pipeline {

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Stages and runs take seconds (lint) to hours (a training job).
const Histogram::BucketBoundaries kDurationBuckets = {1,   5,    15,   30,   60,   120,  300,
                                                      600, 1200, 1800, 3600, 7200, 14400};
const Histogram::BucketBoundaries kErrorBuckets = {-1800, -600, -300, -120, -60, -30, -10, 0,
                                                   10,    30,   60,   120,  300, 600, 1800};
const Histogram::BucketBoundaries kRelativeErrorBuckets = {-0.5, -0.25, -0.1, 0,  0.1,
                                                           0.25, 0.5,   1,    2};
// Lead time and time to restore: minutes to weeks (DORA's bands: < 1 h, < 1 day, < 1 week, ...).
const Histogram::BucketBoundaries kDoraBuckets = {300,    900,    1800,   3600,   7200,
                                                  14400,  28800,  86400,  172800, 604800,
                                                  2592000};

template <class B>
auto& Build(B builder, const char* name, const char* help, prometheus::Registry& r) {
  return builder.Name(name).Help(help).Register(r);
}

}  // namespace

struct PipelineMetrics::Impl {
  std::mutex mu;
  Family<Histogram>& stage_duration;
  Family<Counter>& stage_results;
  Family<Histogram>& run_duration;
  Family<Counter>& runs;
  Family<Gauge>& stage_estimate;
  Family<Gauge>& run_completion;
  Family<Histogram>& estimate_error;
  Family<Histogram>& estimate_relative;
  Family<Counter>& deployments;
  Family<Histogram>& lead_time;
  Family<Counter>& failed_deployments;
  Family<Histogram>& time_to_restore;
  // Gauge label sets per Pipeline, to remove them when it goes.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> estimate_stages;

  explicit Impl(prometheus::Registry& r)
      : stage_duration(Build(prometheus::BuildHistogram(), "ferry_pipeline_stage_duration_seconds",
                             "Duration of finished stage attempts, by result.", r)),
        stage_results(Build(prometheus::BuildCounter(), "ferry_pipeline_stage_results_total",
                            "Finished stage attempts, by result.", r)),
        run_duration(Build(prometheus::BuildHistogram(), "ferry_pipeline_run_duration_seconds",
                           "Duration of finished runs, by result.", r)),
        runs(Build(prometheus::BuildCounter(), "ferry_pipeline_runs_total",
                   "Finished runs, by result and trigger.", r)),
        stage_estimate(Build(prometheus::BuildGauge(), "ferry_pipeline_stage_estimate_seconds",
                             "The time model's estimate (median of recent successes) of a "
                             "stage's duration.",
                             r)),
        run_completion(Build(prometheus::BuildGauge(),
                             "ferry_pipeline_run_estimated_completion_timestamp_seconds",
                             "Estimated completion (Unix time) of the run in progress.", r)),
        estimate_error(Build(prometheus::BuildHistogram(), "ferry_pipeline_estimate_error_seconds",
                             "Actual minus estimated duration of stages (and of runs, stage=\"\").",
                             r)),
        estimate_relative(Build(prometheus::BuildHistogram(),
                                "ferry_pipeline_estimate_relative_error",
                                "Estimate error relative to the estimate.", r)),
        deployments(Build(prometheus::BuildCounter(), "ferry_dora_deployments_total",
                          "Releases fully promoted (DORA deployment frequency).", r)),
        lead_time(Build(prometheus::BuildHistogram(), "ferry_dora_lead_time_seconds",
                        "Commit (or push) to Release promoted (DORA lead time for changes).", r)),
        failed_deployments(Build(prometheus::BuildCounter(), "ferry_dora_failed_deployments_total",
                                 "Releases rolled back (DORA change failure rate: failed / "
                                 "(deployments + failed)).",
                                 r)),
        time_to_restore(Build(prometheus::BuildHistogram(), "ferry_dora_time_to_restore_seconds",
                              "A rollback to the next promotion (DORA time to restore).", r)) {}

  void ObserveError(const std::string& ns, const std::string& pipeline, const std::string& stage,
                    double seconds, std::optional<double> estimate) {
    if (!estimate) return;
    std::map<std::string, std::string> labels{{"namespace", ns}, {"pipeline", pipeline},
                                              {"stage", stage}};
    estimate_error.Add(labels, kErrorBuckets).Observe(seconds - *estimate);
    if (*estimate > 0) {
      estimate_relative.Add(labels, kRelativeErrorBuckets).Observe((seconds - *estimate) / *estimate);
    }
  }
};

PipelineMetrics::PipelineMetrics(metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(*registry.prometheus_registry())) {}

PipelineMetrics::~PipelineMetrics() = default;

void PipelineMetrics::StageEnded(const std::string& ns, const std::string& pipeline,
                                 const std::string& stage, const std::string& result,
                                 double seconds, std::optional<double> estimate_seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::map<std::string, std::string> labels{
      {"namespace", ns}, {"pipeline", pipeline}, {"stage", stage}, {"result", result}};
  impl_->stage_duration.Add(labels, kDurationBuckets).Observe(seconds);
  impl_->stage_results.Add(labels).Increment();
  if (result == "Succeeded") impl_->ObserveError(ns, pipeline, stage, seconds, estimate_seconds);
}

void PipelineMetrics::RunEnded(const std::string& ns, const std::string& pipeline,
                               const std::string& result, const std::string& trigger,
                               double seconds, std::optional<double> estimate_seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->run_duration
      .Add({{"namespace", ns}, {"pipeline", pipeline}, {"result", result}}, kDurationBuckets)
      .Observe(seconds);
  impl_->runs
      .Add({{"namespace", ns}, {"pipeline", pipeline}, {"result", result}, {"trigger", trigger}})
      .Increment();
  if (result == "Succeeded") impl_->ObserveError(ns, pipeline, "", seconds, estimate_seconds);
}

void PipelineMetrics::SetStageEstimate(const std::string& ns, const std::string& pipeline,
                                       const std::string& stage, double seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->stage_estimate.Add({{"namespace", ns}, {"pipeline", pipeline}, {"stage", stage}})
      .Set(seconds);
  impl_->estimate_stages[{ns, pipeline}].insert(stage);
}

void PipelineMetrics::SetRunEstimatedCompletion(const std::string& ns, const std::string& pipeline,
                                                std::optional<double> unix_seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::map<std::string, std::string> labels{{"namespace", ns}, {"pipeline", pipeline}};
  if (unix_seconds) {
    impl_->run_completion.Add(labels).Set(*unix_seconds);
  } else if (impl_->run_completion.Has(labels)) {
    impl_->run_completion.Remove(&impl_->run_completion.Add(labels));
  }
}

void PipelineMetrics::Forget(const std::string& ns, const std::string& pipeline) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->estimate_stages.find({ns, pipeline});
  if (it != impl_->estimate_stages.end()) {
    for (const auto& stage : it->second) {
      std::map<std::string, std::string> labels{
          {"namespace", ns}, {"pipeline", pipeline}, {"stage", stage}};
      if (impl_->stage_estimate.Has(labels)) {
        impl_->stage_estimate.Remove(&impl_->stage_estimate.Add(labels));
      }
    }
    impl_->estimate_stages.erase(it);
  }
  std::map<std::string, std::string> labels{{"namespace", ns}, {"pipeline", pipeline}};
  if (impl_->run_completion.Has(labels)) {
    impl_->run_completion.Remove(&impl_->run_completion.Add(labels));
  }
}

void PipelineMetrics::Deployment(const std::string& ns) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->deployments.Add({{"namespace", ns}}).Increment();
}

void PipelineMetrics::LeadTime(const std::string& ns, double seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->lead_time.Add({{"namespace", ns}}, kDoraBuckets).Observe(seconds);
}

void PipelineMetrics::FailedDeployment(const std::string& ns) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->failed_deployments.Add({{"namespace", ns}}).Increment();
}

void PipelineMetrics::TimeToRestore(const std::string& ns, double seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->time_to_restore.Add({{"namespace", ns}}, kDoraBuckets).Observe(seconds);
}

}  // namespace ferry::pipeline

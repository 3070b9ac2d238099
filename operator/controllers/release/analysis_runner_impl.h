// The production AnalysisRunner (analysis_runner.h): takes the measurements of a Release's
// analysis run that are due, records them in status, decides the run, and reports it.
//
// One Run(action, release, status, now):
//   1. the run is status.analysisRuns[action.name]; nothing to do unless it is Running. Its
//      metrics are spec.analysis.metrics named by action.metrics (an unknown one, or a malformed
//      duration, fails the run with a message naming the field: nothing would ever measure it).
//   2. analysis::DecideRun over the measurements so far (status keeps the last
//      api::kMaxMeasurementsPerMetric and counters; analysis_record.h rebuilds the rest) says,
//      per metric, whether it is Running and when its next measurement is due.
//   3. each Running metric that is due, or whose Job is still running, is measured by its
//      provider (analysis_provider.h, analysis_job.h); the measurement (time, value, phase,
//      message) is appended, the judge's statistics recorded, gauges set.
//   4. DecideRun again (with spec.analysis.scoring: the Kayenta score) sets each metric's and the
//      run's phase. The inconclusive policy is the Decide core's (it pauses or rolls back on an
//      Inconclusive run), so the run itself is never turned from Inconclusive into Failed here.
//   5. an Event per metric verdict and per run verdict on the Release, and
//      ferry_analysis_runs_total{result}; returns when the next measurement is due (at most
//      kJobPollInterval away while a Job runs), nullopt once the run is decided.
// Measurements run one after another on the reconciling worker; each provider call is bounded
// by its own timeout (Prometheus `timeout`, the kube client's request timeout).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operator/analysis/verdict.h"

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/controllers/release/analysis_metrics.h"
#include "operator/controllers/release/analysis_provider.h"
#include "operator/controllers/release/analysis_runner.h"

namespace ferry::events {
class EventRecorder;
}

namespace ferry::release {

struct ResolvedRun;  // analysis_runner_impl.cc

// How often a running analysis Job is looked at again when no watch event comes first.
inline constexpr std::chrono::milliseconds kJobPollInterval{5'000};

// Event reasons of analysis verdicts (type Normal for Successful, Warning otherwise).
inline constexpr char kEventAnalysisSuccessful[] = "AnalysisSuccessful";
inline constexpr char kEventAnalysisFailed[] = "AnalysisFailed";
inline constexpr char kEventAnalysisInconclusive[] = "AnalysisInconclusive";
inline constexpr char kEventMetricSuccessful[] = "MetricSuccessful";
inline constexpr char kEventMetricFailed[] = "MetricFailed";
inline constexpr char kEventMetricInconclusive[] = "MetricInconclusive";

struct MeasurementProviders {
  std::unique_ptr<MeasurementProvider> prometheus;
  std::unique_ptr<MeasurementProvider> judge;
  std::unique_ptr<MeasurementProvider> job;
};

// The real providers over `client`.
MeasurementProviders DefaultProviders(kube::Client& client, Clock& clock);

class AnalysisRunnerImpl final : public AnalysisRunner {
 public:
  // `events` and `metrics` may be null (nothing reported).
  AnalysisRunnerImpl(MeasurementProviders providers, events::EventRecorder* events,
                     std::unique_ptr<AnalysisMetrics> metrics);
  ~AnalysisRunnerImpl() override;

  ferry::Result<std::optional<api::Time>> Run(const RunAnalysis& action,
                                               const api::Release& release,
                                               api::ReleaseStatus& status,
                                               api::Time now) override;

  AnalysisMetrics* metrics() { return metrics_.get(); }

 private:
  struct RunContext {
    const api::Release& release;
    const api::AnalysisRunStatus& run;
    analysis::TemplateContext vars;
    api::Time now;
  };
  MeasurementProvider* ProviderOf(const api::Metric& metric);
  // Measures every Running metric that is due or has a Job running; records the outcomes.
  void MeasureDue(const RunContext& c, ResolvedRun& r, const analysis::RunStatus& rs);
  // Events for metrics whose phase changed and for the run's verdict; runs_total.
  void ReportVerdicts(const RunContext& c, const ResolvedRun& r,
                      const std::vector<std::string>& old_phases, const analysis::RunStatus& rs);
  void Report(const api::Release& release, const std::string& type, const std::string& reason,
              const std::string& message);

  MeasurementProviders providers_;
  events::EventRecorder* events_;
  std::unique_ptr<AnalysisMetrics> metrics_;
  log::Logger log_{"release.analysis"};
};

}  // namespace ferry::release

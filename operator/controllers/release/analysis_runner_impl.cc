#include "operator/controllers/release/analysis_runner_impl.h"

#include <algorithm>

#include "operator/controllers/release/analysis_job.h"
#include "operator/controllers/release/analysis_record.h"
#include "operator/runtime/events/event_recorder.h"

namespace ferry::release {

namespace an = ferry::analysis;

// The run's metrics resolved against spec.analysis, with their status entries (created when
// missing), in action order.
struct ResolvedRun {
  std::vector<const api::Metric*> metrics;
  std::vector<api::MetricResult*> results;
  an::RunSpec spec;
};

namespace {

Result<ResolvedRun> Resolve(const RunAnalysis& action, const api::Release& release,
                            api::AnalysisRunStatus& run) {
  ResolvedRun out;
  const bool background = action.name == kBackgroundAnalysisRun;
  for (const std::string& name : action.metrics) {
    const api::Metric* m = FindMetric(release.spec.analysis, name);
    if (m == nullptr) {
      return Error{"metric \"" + name + "\" is not defined in spec.analysis.metrics; define it "
                   "or remove it from the analysis"};
    }
    auto rs = MetricRunSpecOf(*m, background);
    if (!rs.ok()) return rs.error();
    out.metrics.push_back(m);
    out.spec.metrics.push_back(*rs);
    const bool present = std::any_of(run.metrics.begin(), run.metrics.end(),
                                     [&](const api::MetricResult& r) { return r.name == name; });
    if (!present) run.metrics.push_back(api::MetricResult{.name = name, .phase = api::kAnalysisPending});
  }
  // Pointers only after every push_back.
  for (const std::string& name : action.metrics) {
    for (api::MetricResult& r : run.metrics)
      if (r.name == name) out.results.push_back(&r);
  }
  // The Decide core applies onInconclusive itself (pause or roll back).
  out.spec.inconclusive_policy = an::InconclusivePolicy::kPause;
  return out;
}

an::RunStatus DecideNow(const ResolvedRun& r, api::Time started) {
  std::vector<std::vector<an::Measurement>> ms;
  for (const api::MetricResult* m : r.results) ms.push_back(DecidableMeasurements(*m));
  return an::DecideRun(r.spec, started, ms, /*terminated=*/false);
}

// Decides and, with scoring, scores; returns the score.
std::optional<double> DecideWithScoring(const api::Release& release, const ResolvedRun& r,
                                        api::Time started, an::RunStatus& rs) {
  rs = DecideNow(r, started);
  if (!release.spec.analysis.scoring) return std::nullopt;
  return ApplyScoring(*release.spec.analysis.scoring, r.metrics, rs);
}

std::string RunResult(const an::RunStatus& rs, const an::RunSpec& spec) {
  switch (rs.phase) {
    case an::RunPhase::kSuccessful: return kRunResultSuccessful;
    case an::RunPhase::kInconclusive: return kRunResultInconclusive;
    case an::RunPhase::kRunning: return "";
    case an::RunPhase::kFailed: break;
  }
  for (std::size_t i = 0; i < rs.metrics.size(); ++i) {
    const an::MetricStatus& m = rs.metrics[i];
    if (!m.dry_run && m.phase == an::RunPhase::kFailed &&
        m.consecutive_errors > spec.metrics[i].consecutive_error_limit)
      return kRunResultError;
  }
  return kRunResultFailed;
}

nlohmann::json ObjectOf(const api::Release& release) {
  return {{"apiVersion", release.apiVersion},
          {"kind", release.kind},
          {"metadata",
           {{"name", release.metadata.name},
            {"namespace", release.metadata.namespace_},
            {"uid", release.metadata.uid},
            {"resourceVersion", release.metadata.resourceVersion}}}};
}

}  // namespace

MeasurementProviders DefaultProviders(kube::Client& client, Clock& clock) {
  return {NewPrometheusProvider(client, clock), NewJudgeProvider(client, clock),
          NewJobProvider(client, clock)};
}

AnalysisRunnerImpl::AnalysisRunnerImpl(MeasurementProviders providers,
                                       events::EventRecorder* events,
                                       std::unique_ptr<AnalysisMetrics> metrics)
    : providers_(std::move(providers)), events_(events), metrics_(std::move(metrics)) {}

AnalysisRunnerImpl::~AnalysisRunnerImpl() = default;

MeasurementProvider* AnalysisRunnerImpl::ProviderOf(const api::Metric& metric) {
  if (metric.provider.prometheus) return providers_.prometheus.get();
  if (metric.provider.judge) return providers_.judge.get();
  if (metric.provider.job) return providers_.job.get();
  return nullptr;
}

void AnalysisRunnerImpl::Report(const api::Release& release, const std::string& type,
                                const std::string& reason, const std::string& message) {
  log_.WithObject(release.metadata.namespace_, release.metadata.name)
      .Info(message, {{"reason", reason}});
  if (events_ != nullptr) events_->Event(ObjectOf(release), type, reason, message);
}

void AnalysisRunnerImpl::MeasureDue(const RunContext& c, ResolvedRun& r,
                                    const an::RunStatus& rs) {
  const std::string& ns = c.release.metadata.namespace_;
  const std::string& name = c.release.metadata.name;
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    api::MetricResult& result = *r.results[i];
    if (rs.phase != an::RunPhase::kRunning || rs.metrics[i].phase != an::RunPhase::kRunning) continue;
    const api::Measurement* in_progress = InProgressMeasurement(result);
    const auto& due = rs.metrics[i].next_measurement_at;
    if (in_progress == nullptr && (!due || *due > c.now)) continue;
    MeasurementProvider* provider = ProviderOf(*r.metrics[i]);
    MeasureOutcome o;
    if (provider == nullptr) {
      o.measurement = {.phase = api::kAnalysisError, .message = "no provider set",
                       .startedAt = c.now, .finishedAt = c.now};
    } else {
      o = provider->Measure({c.release, *r.metrics[i], c.run, c.vars, result.count,
                             in_progress != nullptr, c.now});
    }
    if (o.measurement.phase == api::kAnalysisRunning) {
      RecordInProgress(result, std::move(o.measurement));
      continue;
    }
    log_.WithObject(ns, name).Debug("measured", {{"run", c.run.name}, {"metric", result.name},
                                                 {"phase", o.measurement.phase},
                                                 {"message", o.measurement.message}});
    RecordMeasurement(result, std::move(o.measurement));
    if (o.judge) result.judge = o.judge;
    if (metrics_) {
      if (o.gauge) metrics_->SetMeasurement(ns, name, result.name, *o.gauge);
      if (o.threshold) metrics_->SetThreshold(ns, name, result.name, *o.threshold);
      if (o.p_value) metrics_->SetJudgePValue(ns, name, result.name, *o.p_value);
    }
  }
}

void AnalysisRunnerImpl::ReportVerdicts(const RunContext& c, const ResolvedRun& r,
                                        const std::vector<std::string>& old_phases,
                                        const an::RunStatus& rs) {
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    const api::MetricResult& result = *r.results[i];
    if (result.phase == old_phases[i] || result.phase == api::kAnalysisRunning ||
        result.phase == api::kAnalysisPending)
      continue;
    const bool ok = result.phase == api::kAnalysisSuccessful;
    const char* reason = ok ? kEventMetricSuccessful
                         : result.phase == api::kAnalysisFailed ? kEventMetricFailed
                                                                : kEventMetricInconclusive;
    Report(c.release, ok || result.dryRun ? kEventNormal : kEventWarning, reason,
           "analysis " + c.run.name + ": metric \"" + result.name + "\"" +
               (result.dryRun ? " (dry run) " : " ") + result.phase +
               (result.message.empty() ? "" : ": " + result.message));
  }
  if (rs.phase == an::RunPhase::kRunning) return;
  const bool ok = rs.phase == an::RunPhase::kSuccessful;
  const char* reason = ok ? kEventAnalysisSuccessful
                       : rs.phase == an::RunPhase::kFailed ? kEventAnalysisFailed
                                                           : kEventAnalysisInconclusive;
  Report(c.release, ok ? kEventNormal : kEventWarning, reason,
         "analysis " + c.run.name + " " + c.run.phase +
             (c.run.message.empty() ? "" : ": " + c.run.message));
  if (metrics_)
    metrics_->CountRun(c.release.metadata.namespace_, c.release.metadata.name, RunResult(rs, r.spec));
}

ferry::Result<std::optional<api::Time>> AnalysisRunnerImpl::Run(const RunAnalysis& action,
                                                                 const api::Release& release,
                                                                 api::ReleaseStatus& status,
                                                                 api::Time now) {
  auto it = std::find_if(status.analysisRuns.begin(), status.analysisRuns.end(),
                         [&](const api::AnalysisRunStatus& r) { return r.name == action.name; });
  if (it == status.analysisRuns.end())
    return Error{"analysis run \"" + action.name + "\" is not in status.analysisRuns"};
  api::AnalysisRunStatus& run = *it;
  if (run.phase != api::kAnalysisRunning) return std::optional<api::Time>{};

  auto resolved = Resolve(action, release, run);
  if (!resolved.ok()) {
    run.phase = api::kAnalysisFailed;
    run.message = resolved.error().message;
    run.completionTime = now;
    Report(release, kEventWarning, kEventAnalysisFailed,
           "analysis " + run.name + " Failed: " + run.message);
    if (metrics_) metrics_->CountRun(release.metadata.namespace_, release.metadata.name, kRunResultError);
    return std::optional<api::Time>{};
  }
  ResolvedRun& r = *resolved;
  const api::Time started = run.startTime.value_or(now);
  const RunContext c{release, run, TemplateContextOf(release, action.args), now};
  std::vector<std::string> old_phases;
  for (const api::MetricResult* result : r.results) old_phases.push_back(result->phase);

  an::RunStatus rs;
  DecideWithScoring(release, r, started, rs);
  MeasureDue(c, r, rs);
  const std::optional<double> score = DecideWithScoring(release, r, started, rs);
  ApplyRunStatus(run, rs, score, now);
  ReportVerdicts(c, r, old_phases, rs);
  if (rs.phase != an::RunPhase::kRunning) return std::optional<api::Time>{};

  // The next due measurement; a running Job is looked at again after kJobPollInterval.
  std::optional<api::Time> next;
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    if (rs.metrics[i].phase != an::RunPhase::kRunning) continue;
    std::optional<api::Time> due = rs.metrics[i].next_measurement_at;
    if (InProgressMeasurement(*r.results[i]) != nullptr) due = now + kJobPollInterval;
    if (due && (!next || *due < *next)) next = due;
  }
  return next;
}

}  // namespace ferry::release

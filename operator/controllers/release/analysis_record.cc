#include "operator/controllers/release/analysis_record.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ferry::release {

namespace an = ferry::analysis;

const api::Metric* FindMetric(const api::AnalysisSpec& spec, std::string_view name) {
  for (const api::Metric& m : spec.metrics)
    if (m.name == name) return &m;
  return nullptr;
}

Result<an::MetricRunSpec> MetricRunSpecOf(const api::Metric& metric, bool background) {
  const std::string where = "spec.analysis.metrics[" + metric.name + "].";
  an::MetricRunSpec s{.name = metric.name};
  auto interval = api::ParseDuration(metric.interval);
  if (!interval.ok()) return Error{where + "interval: " + interval.error().message};
  s.interval = *interval;
  if (!metric.initialDelay.empty()) {
    auto delay = api::ParseDuration(metric.initialDelay);
    if (!delay.ok()) return Error{where + "initialDelay: " + delay.error().message};
    s.initial_delay = *delay;
  }
  s.count = metric.count.value_or(background ? 0 : 1);
  if (background && !metric.count && s.interval.count() == 0)
    return Error{where + "interval: a background metric without count needs an interval > 0"};
  s.failure_limit = metric.failureLimit;
  s.inconclusive_limit = metric.inconclusiveLimit;
  s.consecutive_error_limit = metric.consecutiveErrorLimit;
  s.dry_run = metric.dryRun;
  if (Status st = an::ValidateMetricRunSpec(s); !st.ok()) return st.error();
  return s;
}

an::MeasurementPhase ParseMeasurementPhase(std::string_view phase) {
  if (phase == api::kAnalysisSuccessful) return an::MeasurementPhase::kSuccessful;
  if (phase == api::kAnalysisFailed) return an::MeasurementPhase::kFailed;
  if (phase == api::kAnalysisInconclusive) return an::MeasurementPhase::kInconclusive;
  return an::MeasurementPhase::kError;
}

api::Measurement ToApiMeasurement(const an::Measurement& m) {
  api::Measurement out;
  out.phase = std::string(an::MeasurementPhaseName(m.phase));
  if (m.value && m.value->values.size() == 1 && std::isfinite(m.value->values[0]))
    out.value = m.value->values[0];
  out.message = m.message;
  out.startedAt = m.started_at;
  out.finishedAt = m.finished_at;
  return out;
}

an::Measurement FromApiMeasurement(const api::Measurement& m) {
  an::Measurement out;
  out.phase = ParseMeasurementPhase(m.phase);
  if (m.value) out.value = an::Value::Scalar(*m.value);
  out.message = m.message;
  out.started_at = m.startedAt.value_or(api::Time{});
  out.finished_at = m.finishedAt.value_or(out.started_at);
  return out;
}

const api::Measurement* InProgressMeasurement(const api::MetricResult& r) {
  if (r.measurements.empty() || r.measurements.back().phase != api::kAnalysisRunning)
    return nullptr;
  return &r.measurements.back();
}

namespace {

void Trim(std::vector<api::Measurement>& ms, std::size_t keep) {
  if (ms.size() > keep) ms.erase(ms.begin(), ms.end() - static_cast<std::ptrdiff_t>(keep));
}

}  // namespace

void RecordMeasurement(api::MetricResult& r, api::Measurement m, std::size_t keep) {
  if (const api::Measurement* prev = InProgressMeasurement(r)) {
    if (prev->startedAt) m.startedAt = prev->startedAt;  // when the Job was started
    r.measurements.pop_back();
  }
  ++r.count;
  switch (ParseMeasurementPhase(m.phase)) {
    case an::MeasurementPhase::kSuccessful: ++r.successful; break;
    case an::MeasurementPhase::kFailed: ++r.failed; break;
    case an::MeasurementPhase::kInconclusive: ++r.inconclusive; break;
    case an::MeasurementPhase::kError: ++r.errors; break;
  }
  r.consecutiveErrors = m.phase == api::kAnalysisError ? r.consecutiveErrors + 1 : 0;
  r.measurements.push_back(std::move(m));
  Trim(r.measurements, keep);
}

void RecordInProgress(api::MetricResult& r, api::Measurement m, std::size_t keep) {
  if (const api::Measurement* prev = InProgressMeasurement(r)) {
    m.startedAt = prev->startedAt;
    r.measurements.back() = std::move(m);
    return;
  }
  r.measurements.push_back(std::move(m));
  Trim(r.measurements, keep);
}

std::vector<an::Measurement> DecidableMeasurements(const api::MetricResult& r) {
  std::vector<an::Measurement> kept;
  for (const api::Measurement& m : r.measurements)
    if (m.phase != api::kAnalysisRunning) kept.push_back(FromApiMeasurement(m));
  int kept_by_phase[4] = {0, 0, 0, 0};
  for (const an::Measurement& m : kept) ++kept_by_phase[static_cast<int>(m.phase)];
  const bool all_errors = std::all_of(kept.begin(), kept.end(), [](const an::Measurement& m) {
    return m.phase == an::MeasurementPhase::kError;
  });
  const int dropped_errors =
      std::max(0, r.errors - kept_by_phase[static_cast<int>(an::MeasurementPhase::kError)]);
  const int dropped_trailing_errors =
      all_errors ? std::clamp(r.consecutiveErrors - static_cast<int>(kept.size()), 0,
                              dropped_errors)
                 : 0;
  const api::Time at = kept.empty() ? api::Time{} : kept.front().started_at;
  std::vector<an::Measurement> out;
  auto add = [&](an::MeasurementPhase phase, int n) {
    for (int i = 0; i < n; ++i) out.push_back({.phase = phase, .started_at = at, .finished_at = at});
  };
  // Errors that a later non-error interrupted, then the other phases, then the errors in a row
  // that continue into the kept ones.
  add(an::MeasurementPhase::kError, dropped_errors - dropped_trailing_errors);
  add(an::MeasurementPhase::kSuccessful,
      r.successful - kept_by_phase[static_cast<int>(an::MeasurementPhase::kSuccessful)]);
  add(an::MeasurementPhase::kFailed,
      r.failed - kept_by_phase[static_cast<int>(an::MeasurementPhase::kFailed)]);
  add(an::MeasurementPhase::kInconclusive,
      r.inconclusive - kept_by_phase[static_cast<int>(an::MeasurementPhase::kInconclusive)]);
  add(an::MeasurementPhase::kError, dropped_trailing_errors);
  out.insert(out.end(), kept.begin(), kept.end());
  return out;
}

an::TemplateContext TemplateContextOf(const api::Release& release,
                                      const std::vector<api::AnalysisArg>& args) {
  an::ReleaseInfo info;
  info.release = release.metadata.name;
  info.namespace_name = release.metadata.namespace_;
  info.target = release.spec.targetRef.name;
  if (release.status.canary) {
    info.canary.version = release.status.canary->version;
    info.canary.hash = release.status.canary->templateHash;
  }
  info.stable.version = release.status.stable.version;
  info.stable.hash = release.status.stable.templateHash;
  const api::Strategy& s = release.spec.strategy;
  if (s.canary && s.canary->trafficRouting) {
    info.canary.service = s.canary->trafficRouting->canaryService;
    info.stable.service = s.canary->trafficRouting->stableService;
  } else if (s.blueGreen) {
    info.canary.service = s.blueGreen->previewService;
    info.stable.service = s.blueGreen->activeService;
  }
  std::map<std::string, std::string> arg_map;
  for (const api::AnalysisArg& a : args) arg_map[a.name] = a.value;
  return an::ReleaseContext(info, std::move(arg_map));
}

Result<an::MeasurementConditions> ConditionsOf(const api::Metric& metric,
                                               const std::string& empty_result) {
  const std::string where = "spec.analysis.metrics[" + metric.name + "].";
  an::MeasurementConditions c;
  if (!metric.successCondition.empty()) {
    auto parsed = an::Condition::Parse(metric.successCondition);
    if (!parsed.ok()) return Error{where + "successCondition: " + parsed.error().message};
    c.success = std::move(*parsed);
  }
  if (!metric.failureCondition.empty()) {
    auto parsed = an::Condition::Parse(metric.failureCondition);
    if (!parsed.ok()) return Error{where + "failureCondition: " + parsed.error().message};
    c.failure = std::move(*parsed);
  }
  if (metric.thresholdRange) {
    c.range = an::RangeCondition{metric.thresholdRange->min, metric.thresholdRange->max};
    if (Status st = c.range->Validate(); !st.ok())
      return Error{where + "thresholdRange: " + st.error().message};
  }
  an::MeasurementPhase on_missing = an::MeasurementPhase::kInconclusive;
  if (empty_result == api::kAnalysisFailed) on_missing = an::MeasurementPhase::kFailed;
  else if (empty_result == api::kAnalysisSuccessful) on_missing = an::MeasurementPhase::kSuccessful;
  else if (!empty_result.empty() && empty_result != api::kAnalysisInconclusive)
    return Error{where + "provider.prometheus.emptyResult: \"" + empty_result +
                 "\" is not Inconclusive, Failed or Successful"};
  c.missing = {on_missing, on_missing, on_missing};
  return c;
}

namespace {

// The N of "result <op> N" (or "N <op> result"), else nullopt.
std::optional<double> ConditionConstant(const std::string& text) {
  static constexpr const char* kOps[] = {"<=", ">=", "==", "!=", "<", ">"};
  for (const char* op : kOps) {
    const std::size_t at = text.find(op);
    if (at == std::string::npos) continue;
    auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t");
      const auto e = s.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    const std::string lhs = trim(text.substr(0, at));
    const std::string rhs = trim(text.substr(at + std::string_view(op).size()));
    const std::string& number = lhs == "result" ? rhs : rhs == "result" ? lhs : std::string();
    if (number.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (end == nullptr || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> ThresholdOf(const api::Metric& metric) {
  if (metric.thresholdRange) {
    if (metric.thresholdRange->max) return metric.thresholdRange->max;
    if (metric.thresholdRange->min) return metric.thresholdRange->min;
  }
  if (auto v = ConditionConstant(metric.successCondition)) return v;
  return ConditionConstant(metric.failureCondition);
}

Result<an::MetricJudgeSpec> JudgeSpecOf(const api::Metric& metric) {
  const std::string where = "spec.analysis.metrics[" + metric.name + "].provider.judge.";
  const api::JudgeProvider& j = *metric.provider.judge;
  an::MetricJudgeSpec s{.name = metric.name, .confidence = j.confidence,
                        .min_samples = static_cast<std::size_t>(std::max(j.minSamples, 0)),
                        .weight = static_cast<double>(std::max(1, metric.weight)), .critical = metric.critical};
  if (j.toleratedEffect < 1.0)
    return Error{where + "toleratedEffect: must be at least 1 (a ratio of medians)"};
  if (j.direction == api::kDirectionDecrease) {
    s.bad_direction = an::Direction::kDecrease;
    s.tolerance = 1.0 - 1.0 / j.toleratedEffect;
  } else {
    s.bad_direction =
        j.direction == api::kDirectionEither ? an::Direction::kEither : an::Direction::kIncrease;
    s.tolerance = j.toleratedEffect - 1.0;
  }
  if (Status st = an::ValidateMetricJudgeSpec(s); !st.ok())
    return Error{where + st.error().message};
  return s;
}

std::optional<double> ApplyScoring(const api::Scoring& scoring,
                                   const std::vector<const api::Metric*>& metrics,
                                   an::RunStatus& rs) {
  std::vector<an::WeightedMetric> weighted;
  bool running = false, critical_failed = false;
  std::optional<api::Time> next;
  for (std::size_t i = 0; i < rs.metrics.size() && i < metrics.size(); ++i) {
    const an::MetricStatus& st = rs.metrics[i];
    if (st.phase == an::RunPhase::kRunning && st.next_measurement_at &&
        (!next || *st.next_measurement_at < *next))
      next = st.next_measurement_at;
    if (st.dry_run || metrics[i]->weight <= 0) continue;
    if (st.phase == an::RunPhase::kRunning) {
      running = true;
      continue;
    }
    an::Verdict v = st.phase == an::RunPhase::kSuccessful ? an::Verdict::kPass
                    : st.phase == an::RunPhase::kFailed   ? an::Verdict::kFail
                                                          : an::Verdict::kInconclusive;
    if (v == an::Verdict::kFail && metrics[i]->critical) critical_failed = true;
    an::WeightedMetric w;
    w.judgement.name = st.name;
    w.judgement.verdict = v;
    w.judgement.reason = st.message;
    w.weight = metrics[i]->weight;
    w.critical = metrics[i]->critical;
    weighted.push_back(std::move(w));
  }
  if (running && !critical_failed) {
    rs.phase = an::RunPhase::kRunning;
    rs.message = "measuring";
    rs.next_measurement_at = next;
    return std::nullopt;
  }
  const an::Judgement j =
      an::Score(weighted, {static_cast<double>(scoring.pass), static_cast<double>(scoring.marginal)});
  rs.phase = j.verdict == an::Verdict::kPass   ? an::RunPhase::kSuccessful
             : j.verdict == an::Verdict::kFail ? an::RunPhase::kFailed
                                               : an::RunPhase::kInconclusive;
  rs.message = j.reason;
  rs.next_measurement_at.reset();
  return j.score;
}

void ApplyRunStatus(api::AnalysisRunStatus& run, const an::RunStatus& rs,
                    std::optional<double> score, api::Time now) {
  for (std::size_t i = 0; i < rs.metrics.size() && i < run.metrics.size(); ++i) {
    const an::MetricStatus& st = rs.metrics[i];
    api::MetricResult& r = run.metrics[i];
    r.dryRun = st.dry_run;
    r.phase = std::string(an::RunPhaseName(st.phase));
    if (st.phase == an::RunPhase::kRunning && r.measurements.empty()) r.phase = api::kAnalysisPending;
    r.message = st.message;
  }
  if (score) run.score = score;
  if (rs.phase == an::RunPhase::kRunning) return;
  run.phase = std::string(an::RunPhaseName(rs.phase));
  run.message = rs.message;
  run.completionTime = now;
}

}  // namespace ferry::release

// Pure mapping between the Release API's analysis types (api/analysis_types.h: spec.analysis and
// status.analysisRuns) and the analysis layer's (analysis/verdict.h, query_template.h,
// prometheus_result.h), used by the analysis runner (analysis_runner_impl.h). No I/O.
//
// Status keeps only the last api::kMaxMeasurementsPerMetric measurements of a metric, plus
// counters of every measurement taken (count, successful, failed, inconclusive, errors,
// consecutiveErrors). DecideMetric counts measurements, so DecidableMeasurements rebuilds the
// dropped ones from the counters: the verdict after 50 measurements is the same as if status
// held all 50.
//
// A Job measurement that has not finished yet is kept as the newest measurement with phase
// "Running" (api::kAnalysisRunning) and no finishedAt; it is never counted nor decided on, and is
// replaced by the finished measurement.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/analysis/judge.h"
#include "operator/analysis/prometheus_result.h"
#include "operator/analysis/query_template.h"
#include "operator/analysis/verdict.h"
#include "operator/api/release_types.h"
#include "operator/base/result.h"

namespace ferry::release {

// The background analysis' run name (the Decide core's; step runs are "step-<index>").
inline constexpr char kBackgroundAnalysisRun[] = "background";

const api::Metric* FindMetric(const api::AnalysisSpec& spec, std::string_view name);

// The run semantics of `metric`. An unset count is 1 in a step analysis and "until the rollout
// ends" in the background analysis. Errors name the field (a malformed duration).
Result<analysis::MetricRunSpec> MetricRunSpecOf(const api::Metric& metric, bool background);

// The measurement phase named `phase` (Successful, Failed, Inconclusive, Error); an unknown name
// is an Error measurement.
analysis::MeasurementPhase ParseMeasurementPhase(std::string_view phase);

// analysis -> status: value only when it is one finite number (JSON has no NaN).
api::Measurement ToApiMeasurement(const analysis::Measurement& m);
analysis::Measurement FromApiMeasurement(const api::Measurement& m);

// The newest measurement when it is a Job still running, else nullptr.
const api::Measurement* InProgressMeasurement(const api::MetricResult& r);

// Records a finished measurement: counters updated, a trailing in-progress one replaced, only the
// newest `keep` kept.
void RecordMeasurement(api::MetricResult& r, api::Measurement m,
                       std::size_t keep = api::kMaxMeasurementsPerMetric);
// Records (or refreshes) the in-progress measurement; counters untouched.
void RecordInProgress(api::MetricResult& r, api::Measurement m,
                      std::size_t keep = api::kMaxMeasurementsPerMetric);

// Every finished measurement DecideMetric must see, oldest first: the dropped ones rebuilt from
// the counters (only their phases matter), then the ones status kept.
std::vector<analysis::Measurement> DecidableMeasurements(const api::MetricResult& r);

// The Release's names, versions, hashes and Services for query placeholders, with `args`.
analysis::TemplateContext TemplateContextOf(const api::Release& release,
                                            const std::vector<api::AnalysisArg>& args);

// successCondition, failureCondition, thresholdRange and emptyResult of a Prometheus metric.
Result<analysis::MeasurementConditions> ConditionsOf(const api::Metric& metric,
                                                     const std::string& empty_result);

// The number a metric's value is judged against, for ferry_analysis_threshold: the nearer bound
// of thresholdRange (max, else min), else the constant of a condition of the form
// "result <op> N" (success condition first). nullopt when there is no such single number.
std::optional<double> ThresholdOf(const api::Metric& metric);

// The judge spec of a judge metric; toleratedEffect (a ratio of medians) becomes the relative
// shift the judge tolerates (1.1 -> +10% for Increase, a median above 1/1.1 of stable's for
// Decrease).
Result<analysis::MetricJudgeSpec> JudgeSpecOf(const api::Metric& metric);

// Kayenta-style scoring over the decided metrics of a run (spec.analysis.scoring set): waits
// while a deciding metric is Running unless a critical one already failed, then the weighted
// share of passing metrics decides. Sets rs.phase/message and returns the score (nullopt while
// undecided). Metrics of weight 0 and dry-run metrics do not take part.
std::optional<double> ApplyScoring(const api::Scoring& scoring,
                                   const std::vector<const api::Metric*>& metrics,
                                   analysis::RunStatus& rs);

// Writes a decision into the run: each metric's phase, message and counters (Pending until its
// first measurement starts); the run's phase and message, and completionTime once decided.
void ApplyRunStatus(api::AnalysisRunStatus& run, const analysis::RunStatus& rs,
                    std::optional<double> score, api::Time now);

}  // namespace ferry::release

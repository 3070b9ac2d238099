// The providers that take one measurement of a Release analysis metric (spec.analysis.metrics[]
// .provider): `prometheus` (an instant query), `judge` (range queries of canary and stable,
// Mann-Whitney U) and `job` (a batch/v1 Job). The runner (analysis_runner_impl.h) decides WHEN to
// measure; a provider only measures. A provider never fails: what it cannot measure (network,
// Prometheus down, a missing Secret, a malformed answer) is an Error measurement, which the run
// semantics count against consecutiveErrorLimit.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "operator/analysis/query_template.h"
#include "operator/api/release_types.h"
#include "operator/base/clock.h"
#include "operator/base/result.h"

namespace ferry::kube {
class Client;
}

namespace ferry::analysis {
struct PrometheusConfig;
}

namespace ferry::release {

struct MeasureRequest {
  const api::Release& release;
  const api::Metric& metric;
  const api::AnalysisRunStatus& run;
  const analysis::TemplateContext& vars;  // TemplateContextOf(release, action.args)
  int32_t index = 0;       // 0-based number of this measurement of the metric in this run
  bool resuming = false;   // this measurement was started earlier (a Job still running)
  api::Time now{};
};

struct MeasureOutcome {
  // Phase Successful/Failed/Inconclusive/Error, or Running for a Job that has not finished.
  api::Measurement measurement;
  std::optional<api::JudgeResult> judge;  // judge provider only
  std::optional<double> gauge;      // ferry_analysis_measurement: the measured value
  std::optional<double> threshold;  // ferry_analysis_threshold: what it is judged against
  std::optional<double> p_value;    // ferry_analysis_judge_p_value
};

class MeasurementProvider {
 public:
  virtual ~MeasurementProvider() = default;
  virtual MeasureOutcome Measure(const MeasureRequest& request) = 0;
};

// The Prometheus connection of a metric: address, timeout, bearer token and CA read from Secrets
// in the Release's namespace (never logged). Errors name the field and the Secret.
Result<analysis::PrometheusConfig> PrometheusConfigOf(const api::PrometheusProvider& p,
                                                      const std::string& ns,
                                                      kube::Client& client);

// Reads data[key] of Secret ns/name, base64-decoded; `field` names the API field in errors.
Result<std::string> ReadSecretKey(kube::Client& client, const std::string& ns,
                                  const api::SecretKeyRef& ref, const std::string& field);

// `prometheus` metrics: one instant query at the server's now, judged by successCondition,
// failureCondition, thresholdRange and emptyResult.
std::unique_ptr<MeasurementProvider> NewPrometheusProvider(kube::Client& client, Clock& clock);

// `judge` metrics: the judge query rendered with {{version}} = canary and stable version, each
// a range query over [now - window, now] at `step`, then the Mann-Whitney U judge. The
// measurement's value is the p-value; status gets U, p, effect (ratio of medians) and sample
// counts.
std::unique_ptr<MeasurementProvider> NewJudgeProvider(kube::Client& client, Clock& clock);

}  // namespace ferry::release

#include "operator/controllers/release/analysis_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace ferry::release {

struct AnalysisMetrics::Families {
  prometheus::Family<prometheus::Gauge>& measurement;
  prometheus::Family<prometheus::Gauge>& threshold;
  prometheus::Family<prometheus::Gauge>& p_value;
  prometheus::Family<prometheus::Counter>& runs;
};

AnalysisMetrics::AnalysisMetrics(prometheus::Registry& r)
    : f_(new Families{
          prometheus::BuildGauge()
              .Name("ferry_analysis_measurement")
              .Help("Latest value measured by a Release analysis metric (judge metrics: the "
                    "canary's median).")
              .Register(r),
          prometheus::BuildGauge()
              .Name("ferry_analysis_threshold")
              .Help("The value a Release analysis metric is judged against.")
              .Register(r),
          prometheus::BuildGauge()
              .Name("ferry_analysis_judge_p_value")
              .Help("p-value of the latest Mann-Whitney U test of a judge metric, canary "
                    "against stable.")
              .Register(r),
          prometheus::BuildCounter()
              .Name("ferry_analysis_runs_total")
              .Help("Release analysis runs decided, by result (successful, failed, "
                    "inconclusive, error).")
              .Register(r)}) {}

AnalysisMetrics::~AnalysisMetrics() = default;

void AnalysisMetrics::SetMeasurement(const std::string& ns, const std::string& release,
                                     const std::string& metric, double value) {
  f_->measurement.Add({{"namespace", ns}, {"release", release}, {"metric", metric}}).Set(value);
}

void AnalysisMetrics::SetThreshold(const std::string& ns, const std::string& release,
                                   const std::string& metric, double value) {
  f_->threshold.Add({{"namespace", ns}, {"release", release}, {"metric", metric}}).Set(value);
}

void AnalysisMetrics::SetJudgePValue(const std::string& ns, const std::string& release,
                                     const std::string& metric, double p) {
  f_->p_value.Add({{"namespace", ns}, {"release", release}, {"metric", metric}}).Set(p);
}

void AnalysisMetrics::CountRun(const std::string& ns, const std::string& release,
                               const std::string& result) {
  f_->runs.Add({{"namespace", ns}, {"release", release}, {"result", result}}).Increment();
}

}  // namespace ferry::release

// Prometheus metrics of Release analyses, registered on the operator's registry (names and
// labels as charts/ferry/metrics-referenced.txt, which the dashboard and alerts query):
//   ferry_analysis_measurement{namespace,release,metric}    latest measured value (for a judge
//                                                            metric: the canary's median)
//   ferry_analysis_threshold{namespace,release,metric}      the value it is judged against (the
//                                                            threshold, or stable's median scaled
//                                                            by toleratedEffect)
//   ferry_analysis_judge_p_value{namespace,release,metric}  p-value of the latest judge test
//   ferry_analysis_runs_total{namespace,release,result}     decided runs; result = successful,
//                                                            failed, inconclusive, or error (the
//                                                            run failed because a metric could
//                                                            not be measured: consecutive errors)
// prometheus-cpp stays inside analysis_metrics.cc.
#pragma once

#include <memory>
#include <string>

namespace prometheus {
class Registry;
}

namespace ferry::release {

inline constexpr char kRunResultSuccessful[] = "successful";
inline constexpr char kRunResultFailed[] = "failed";
inline constexpr char kRunResultInconclusive[] = "inconclusive";
inline constexpr char kRunResultError[] = "error";

class AnalysisMetrics {
 public:
  explicit AnalysisMetrics(prometheus::Registry& registry);
  ~AnalysisMetrics();
  AnalysisMetrics(const AnalysisMetrics&) = delete;
  AnalysisMetrics& operator=(const AnalysisMetrics&) = delete;

  void SetMeasurement(const std::string& ns, const std::string& release, const std::string& metric,
                      double value);
  void SetThreshold(const std::string& ns, const std::string& release, const std::string& metric,
                    double value);
  void SetJudgePValue(const std::string& ns, const std::string& release,
                      const std::string& metric, double p);
  void CountRun(const std::string& ns, const std::string& release, const std::string& result);

 private:
  struct Families;
  std::unique_ptr<Families> f_;
};

}  // namespace ferry::release

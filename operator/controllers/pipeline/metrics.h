// The Pipeline controller's metrics and the four DORA delivery measures, served on the operator's
// /metrics. prometheus-cpp stays inside metrics.cc. Names and labels are the contract of
// charts/ferry/metrics-referenced.txt (the Grafana dashboard and alerts query them):
//
//   ferry_pipeline_stage_duration_seconds{namespace,pipeline,stage,result}   histogram
//   ferry_pipeline_stage_results_total{namespace,pipeline,stage,result}      counter
//   ferry_pipeline_run_duration_seconds{namespace,pipeline,result}           histogram
//   ferry_pipeline_runs_total{namespace,pipeline,result,trigger}             counter
//   ferry_pipeline_stage_estimate_seconds{namespace,pipeline,stage}          gauge: the model's median
//   ferry_pipeline_run_estimated_completion_timestamp_seconds{namespace,pipeline}  gauge (Unix s)
//   ferry_pipeline_estimate_error_seconds{namespace,pipeline,stage}          histogram: actual -
//       estimated (negative: earlier than estimated); stage="" for whole runs
//   ferry_pipeline_estimate_relative_error{namespace,pipeline,stage}         histogram: error /
//       estimate
//   ferry_dora_deployments_total{namespace}          Releases fully promoted (deployment frequency)
//   ferry_dora_lead_time_seconds{namespace}          histogram: commit (or push) -> promoted
//   ferry_dora_failed_deployments_total{namespace}   Releases rolled back; change failure rate =
//       failed / (deployments + failed)
//   ferry_dora_time_to_restore_seconds{namespace}    histogram: a rollback -> the next promotion
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace ferry::metrics {
class Registry;
}

namespace ferry::pipeline {

class PipelineMetrics {
 public:
  // Registers the families on `registry`'s Prometheus registry.
  explicit PipelineMetrics(metrics::Registry& registry);
  ~PipelineMetrics();
  PipelineMetrics(const PipelineMetrics&) = delete;
  PipelineMetrics& operator=(const PipelineMetrics&) = delete;

  void StageEnded(const std::string& ns, const std::string& pipeline, const std::string& stage,
                  const std::string& result, double seconds,
                  std::optional<double> estimate_seconds);
  void RunEnded(const std::string& ns, const std::string& pipeline, const std::string& result,
                const std::string& trigger, double seconds,
                std::optional<double> estimate_seconds);
  void SetStageEstimate(const std::string& ns, const std::string& pipeline,
                        const std::string& stage, double seconds);
  // nullopt removes the series (no run in progress).
  void SetRunEstimatedCompletion(const std::string& ns, const std::string& pipeline,
                                 std::optional<double> unix_seconds);
  // Removes the gauges of a deleted Pipeline.
  void Forget(const std::string& ns, const std::string& pipeline);

  void Deployment(const std::string& ns);
  void LeadTime(const std::string& ns, double seconds);
  void FailedDeployment(const std::string& ns);
  void TimeToRestore(const std::string& ns, double seconds);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::pipeline

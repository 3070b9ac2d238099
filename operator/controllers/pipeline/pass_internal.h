// The state of one RunPass (pass.h), shared by its files: pass.cc (driver, estimates,
// conditions), pass_requests.cc (cancel, run requests, concurrency policy), pass_progress.cc
// (observe, timeout, plan, Jobs) and pass_finish.cc (hand-off, history, JobsToDelete).
// Private to this directory.
#pragma once

#include <string>
#include <string_view>

#include "operator/controllers/pipeline/pass.h"
#include "operator/controllers/pipeline/runs.h"

namespace ferry::pipeline::detail {

// Passes of the progress loop: a run that ends can start the queued one, which may be planned in
// the same pass (and cannot end in it: its Jobs do not exist yet), so 3 is always enough.
inline constexpr int kMaxProgressRounds = 3;

// Event types.
inline constexpr char kNormal[] = "Normal";
inline constexpr char kWarning[] = "Warning";

class Pass {
 public:
  explicit Pass(const PassInput& in);
  Result<PassOutput> Run();

 private:
  friend class PassTest;
  // pass_requests.cc
  void HandleCancel();
  void HandleRunRequest();
  void StartRun(const RunIntent& intent);
  void StartQueued();
  void MarkHandled(const RunIntent& intent);
  // pass_progress.cc
  Status Progress();
  bool EnforceTimeout(api::PipelineRun& run);
  Status StartStages(api::PipelineRun& run, const RunPlan& plan,
                     const std::vector<std::string>& missing);
  Result<Json> BuildStageJob(const api::PipelineRun& run, const api::Stage& stage,
                             int32_t attempt);
  void ReportFinishedStages(const api::PipelineRun& run, const std::vector<std::string>& names);
  // pass_finish.cc
  Status Handoff(api::PipelineRun& run);
  void FinishRun();
  // pass.cc
  void StopRun(api::PipelineRun& run, std::string_view phase, std::string_view stage_phase,
               const std::string& message);
  void RefreshEstimates(bool run_changed);
  void SetConditions();
  void Event(std::string_view type, std::string_view reason, std::string message);
  const api::Stage* FindStage(std::string_view name) const;
  const std::string& Name() const { return p_.metadata.name; }

  const PassInput& in_;
  const api::Pipeline& p_;
  const api::Time now_;
  PassOutput out_;
  api::PipelineStatus& st_;
};

}  // namespace ferry::pipeline::detail

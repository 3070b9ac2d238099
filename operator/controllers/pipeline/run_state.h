// A run's status (status.currentRun) as the state of the DAG: folding observed Jobs into it,
// applying a RunPlan to it, and the variables for substitution. Pure, so the reconciler is left
// with the I/O: list the run's Jobs and Pods, ObserveStages, PlanRun, ApplyPlan, create the Jobs
// of plan.start (and of Observation::missingJobs; creation is idempotent by name), write status.
//
// Crash safety: a Job is created before or after the status write that names it; either way the
// next pass converges. Status written first -> the Job is missing -> recreated by its name.
// Job created first -> the stage is still Pending in status -> PlanRun starts the same attempt ->
// the create answers AlreadyExists and the Job is adopted. Never a duplicate.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/pipeline_types.h"
#include "operator/controllers/pipeline/dag.h"
#include "operator/controllers/pipeline/job_builder.h"
#include "operator/controllers/pipeline/substitution.h"

namespace ferry::pipeline {

// A new run: every stage of `spec` Pending, in spec order; id "<pipeline>-<number>".
api::PipelineRun NewRun(const api::Pipeline& pipeline, int64_t number, std::string revision,
                        std::string ref, api::RunTrigger trigger, api::Time now);

// The per-stage state PlanRun needs.
std::map<std::string, StageState> StageStates(const api::PipelineRun& run);

// The variables of `run`: results of its succeeded stages included.
RunVariables VariablesFor(const api::Pipeline& pipeline, const api::PipelineRun& run);

struct ObservedJob {
  Json job;
  std::vector<Json> pods;
};

struct Observation {
  // Running stages whose Job is absent: create it (again) under its recorded name.
  std::vector<std::string> missingJobs;
  // Stages whose attempt finished in this observation, for Events and metrics.
  std::vector<std::string> finished;
  // The commit a checkout cloned, when the run had none (it built the head of its ref).
  std::string checkedOutRevision;
};

// Updates the Running stages of `run` from their Jobs (`jobs` keyed by Job name): phase,
// result, message, start and completion times.
Observation ObserveStages(api::PipelineRun& run, const std::map<std::string, ObservedJob>& jobs);

// Records `plan` in `run`: started stages Running with their attempt and Job name (result and
// message of an earlier attempt cleared), skipped ones Skipped, and the run's phase, message and
// completion time when it ended. Returns status.currentStage (running stages, comma-separated).
std::string ApplyPlan(api::PipelineRun& run, const RunPlan& plan, std::string_view pipeline,
                      api::Time now);

}  // namespace ferry::pipeline

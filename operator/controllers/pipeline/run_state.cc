#include "operator/controllers/pipeline/run_state.h"

#include <algorithm>

#include "operator/controllers/pipeline/runs.h"

namespace ferry::pipeline {

namespace {

api::StageStatus* Find(api::PipelineRun& run, std::string_view name) {
  for (auto& s : run.stages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

api::StageStatus& FindOrAdd(api::PipelineRun& run, const std::string& name) {
  if (api::StageStatus* s = Find(run, name)) return *s;
  api::StageStatus s;
  s.name = name;
  s.phase = api::kRunPending;
  run.stages.push_back(std::move(s));
  return run.stages.back();
}

void Record(api::StageStatus& s, const StageOutcome& out) {
  if (out.startTime) s.startTime = out.startTime;
  s.message = out.message;
  if (out.state == JobState::kRunning) return;
  s.phase = out.state == JobState::kSucceeded ? api::kRunSucceeded : api::kRunFailed;
  s.result = out.result;
  s.completionTime = out.completionTime;
}

std::string FailureMessage(const api::PipelineRun& run, const std::vector<std::string>& failed) {
  std::string msg;
  for (const auto& name : failed) {
    for (const auto& s : run.stages) {
      if (s.name != name) continue;
      if (!msg.empty()) msg += "; ";
      msg += "stage " + name + " failed (job " + s.jobName + ")";
      if (!s.message.empty()) msg += ": " + s.message;
    }
  }
  return msg.empty() ? "no stage can run" : msg;
}

}  // namespace

api::PipelineRun NewRun(const api::Pipeline& pipeline, int64_t number, std::string revision,
                        std::string ref, api::RunTrigger trigger, api::Time now) {
  api::PipelineRun run;
  run.id = RunId(pipeline.metadata.name, number);
  run.number = number;
  run.revision = std::move(revision);
  run.ref = std::move(ref);
  run.trigger = std::move(trigger);
  run.phase = api::kRunPending;
  run.startTime = api::TruncateToSeconds(now);
  for (const auto& stage : pipeline.spec.stages) FindOrAdd(run, stage.name);
  return run;
}

std::map<std::string, StageState> StageStates(const api::PipelineRun& run) {
  std::map<std::string, StageState> out;
  for (const auto& s : run.stages) {
    out[s.name] = {ParseStagePhase(s.phase).value_or(StagePhase::kPending), s.attempts};
  }
  return out;
}

RunVariables VariablesFor(const api::Pipeline& pipeline, const api::PipelineRun& run) {
  RunVariables v{run.revision,
                 run.id,
                 run.number,
                 pipeline.spec.source.url,
                 run.ref.empty() ? pipeline.spec.source.ref : run.ref,
                 {}};
  for (const auto& s : run.stages) {
    if (s.phase == api::kRunSucceeded) v.results[s.name] = s.result;
  }
  return v;
}

Observation ObserveStages(api::PipelineRun& run, const std::map<std::string, ObservedJob>& jobs) {
  Observation obs;
  for (auto& s : run.stages) {
    if (s.phase != api::kRunRunning || s.jobName.empty()) continue;
    auto it = jobs.find(s.jobName);
    if (it == jobs.end()) {
      obs.missingJobs.push_back(s.name);
      continue;
    }
    StageOutcome out = ReadStageOutcome(it->second.job, it->second.pods);
    if (run.revision.empty() && !out.checkedOutRevision.empty()) {
      obs.checkedOutRevision = out.checkedOutRevision;
    }
    Record(s, out);
    if (out.state != JobState::kRunning) obs.finished.push_back(s.name);
  }
  return obs;
}

std::string ApplyPlan(api::PipelineRun& run, const RunPlan& plan, std::string_view pipeline,
                      api::Time now) {
  for (const auto& start : plan.start) {
    api::StageStatus& s = FindOrAdd(run, start.stage);
    s.phase = api::kRunRunning;
    s.attempts = start.attempt;
    s.jobName = JobName(pipeline, run.number, start.stage, start.attempt);
    s.result.clear();
    s.message.clear();
    s.startTime = api::TruncateToSeconds(now);
    s.completionTime.reset();
  }
  for (const auto& name : plan.skip) {
    api::StageStatus& s = FindOrAdd(run, name);
    s.phase = api::kStageSkipped;
    s.message = "skipped: an earlier stage failed";
  }
  if (plan.outcome == RunOutcome::kRunning) {
    run.phase = api::kRunRunning;
  } else {
    bool ok = plan.outcome == RunOutcome::kSucceeded;
    run.phase = ok ? api::kRunSucceeded : api::kRunFailed;
    run.message = ok ? "all stages succeeded" : FailureMessage(run, plan.failed);
    run.completionTime = api::TruncateToSeconds(now);
  }
  std::string current;
  for (const auto& name : plan.running) current += (current.empty() ? "" : ",") + name;
  return current;
}

}  // namespace ferry::pipeline

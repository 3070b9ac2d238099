// RunPass (pass.h): the active run's progress: observe its Jobs, enforce its timeout, plan, and
// build the Jobs of the stages that start (or whose Job vanished).
#include <algorithm>
#include <chrono>

#include "operator/controllers/pipeline/pass_internal.h"

namespace ferry::pipeline::detail {

namespace {


const api::StageStatus* FindStatus(const api::PipelineRun& run, std::string_view name) {
  for (const auto& s : run.stages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string StagePath(const api::Pipeline& p, std::string_view name) {
  for (size_t i = 0; i < p.spec.stages.size(); ++i) {
    if (p.spec.stages[i].name == name) return api::IndexPath("spec.stages", i);
  }
  return "spec.stages";
}

}  // namespace

Status Pass::Progress() {
  api::PipelineRun& run = *st_.currentRun;
  Observation obs = ObserveStages(run, in_.jobs);
  if (run.revision.empty() && !obs.checkedOutRevision.empty()) {
    run.revision = obs.checkedOutRevision;
  }
  ReportFinishedStages(run, obs.finished);
  if (EnforceTimeout(run)) {
    FinishRun();
    return {};
  }
  RunPlan plan = PlanRun(p_.spec.stages, StageStates(run));
  // Vanished Jobs of stages that keep running (not restarted by this plan) are recreated.
  std::vector<std::string> missing;
  for (const auto& name : obs.missingJobs) {
    bool restarted = std::any_of(plan.start.begin(), plan.start.end(),
                                 [&](const RunPlan::Start& s) { return s.stage == name; });
    if (!restarted) missing.push_back(name);
  }
  if (Status s = StartStages(run, plan, missing); !s.ok()) {
    StopRun(run, api::kRunFailed, api::kRunFailed, s.error().message);
    Event(kWarning, kReasonStageFailed, "run " + run.id + " failed: " + s.error().message);
    FinishRun();
    return {};
  }
  if (run.phase == api::kRunSucceeded && p_.spec.handoff) {
    if (Status s = Handoff(run); !s.ok()) return s;
  }
  if (!IsRunActive(run)) FinishRun();
  return {};
}

void Pass::ReportFinishedStages(const api::PipelineRun& run,
                                const std::vector<std::string>& names) {
  auto estimates = EstimateStages(p_.spec.stages, st_.history);
  for (const auto& name : names) {
    const api::StageStatus* s = FindStatus(run, name);
    if (s == nullptr) continue;
    StageEnded ended{name, s->phase, 0, std::nullopt};
    if (s->startTime && s->completionTime && *s->completionTime >= *s->startTime) {
      ended.seconds = std::chrono::duration<double>(*s->completionTime - *s->startTime).count();
    }
    if (auto it = estimates.find(name); it != estimates.end()) ended.estimate = it->second.median;
    out_.stagesEnded.push_back(ended);
    if (s->phase == api::kRunSucceeded) {
      Event(kNormal, "StageSucceeded",
            "stage " + name + " succeeded (job " + s->jobName + ", attempt " +
                std::to_string(s->attempts) + ")");
      continue;
    }
    const api::Stage* spec = FindStage(name);
    std::string msg = "stage " + name + " failed (job " + s->jobName + ", attempt " +
                      std::to_string(s->attempts) + ")";
    if (!s->message.empty()) msg += ": " + s->message;
    if (s->message.find("kubectl logs") == std::string::npos) {
      msg += "; logs: kubectl logs job/" + s->jobName + " -c " + kStageContainerName;
    }
    if (spec != nullptr && HasRetriesLeft(*spec, s->attempts)) {
      msg += "; retrying (attempt " + std::to_string(s->attempts + 1) + " of " +
             std::to_string(spec->retries + 1) + ")";
    }
    Event(kWarning, kReasonStageFailed, msg);
  }
}

bool Pass::EnforceTimeout(api::PipelineRun& run) {
  auto timeout = api::ParseDuration(p_.spec.timeout);
  if (!timeout.ok() || !run.startTime) return false;  // validation rejects a bad timeout
  const api::Time deadline = *run.startTime + timeout.value();
  if (now_ < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now_);
    if (!out_.requeueAfter || left < *out_.requeueAfter) out_.requeueAfter = left;
    return false;
  }
  std::string msg = "run timed out: spec.timeout " + p_.spec.timeout + " expired";
  StopRun(run, api::kRunFailed, api::kRunFailed, msg);
  Event(kWarning, kReasonTimedOut, "run " + run.id + " " + msg);
  return true;
}

Result<Json> Pass::BuildStageJob(const api::PipelineRun& run, const api::Stage& stage,
                                 int32_t attempt) {
  auto stage_vars = SubstituteStage(stage, VariablesFor(p_, run), StagePath(p_, stage.name));
  if (!stage_vars.ok()) {
    return Error{"stage " + stage.name + " cannot start: " + stage_vars.error().message};
  }
  JobRequest req;
  req.pipeline = &p_;
  req.run_id = run.id;
  req.run_number = run.number;
  req.revision = run.revision;
  req.ref = run.ref.empty() ? p_.spec.source.ref : run.ref;
  req.stage = std::move(stage_vars.value());
  req.attempt = attempt;
  req.git_image = in_.git_image;
  if (auto total = api::ParseDuration(p_.spec.timeout); total.ok() && run.startTime) {
    auto left = *run.startTime + total.value() - now_;
    req.run_time_left = std::max(std::chrono::milliseconds(0),
                                 std::chrono::duration_cast<std::chrono::milliseconds>(left));
  }
  auto job = BuildJob(req);
  if (!job.ok()) return Error{"stage " + stage.name + " cannot start: " + job.error().message};
  return job;
}

Status Pass::StartStages(api::PipelineRun& run, const RunPlan& plan,
                         const std::vector<std::string>& missing) {
  // Build every Job before recording anything: a stage that cannot start fails the run as a whole.
  std::vector<Json> jobs;
  for (const auto& start : plan.start) {
    const api::Stage* stage = FindStage(start.stage);
    if (stage == nullptr) continue;
    auto job = BuildStageJob(run, *stage, start.attempt);
    if (!job.ok()) return job.error();
    jobs.push_back(std::move(job.value()));
  }
  for (const auto& name : missing) {
    const api::Stage* stage = FindStage(name);
    const api::StageStatus* s = FindStatus(run, name);
    if (stage == nullptr || s == nullptr) continue;
    auto job = BuildStageJob(run, *stage, std::max(s->attempts, 1));
    if (!job.ok()) return job.error();
    jobs.push_back(std::move(job.value()));
  }
  st_.currentStage = ApplyPlan(run, plan, Name(), now_);
  for (const auto& start : plan.start) {
    const api::StageStatus* s = FindStatus(run, start.stage);
    Event(kNormal, "StageStarted",
          "stage " + start.stage + " started (job " + (s ? s->jobName : "") + ", attempt " +
              std::to_string(start.attempt) + ")");
  }
  for (auto& j : jobs) out_.create.push_back(std::move(j));
  return {};
}

}  // namespace ferry::pipeline::detail

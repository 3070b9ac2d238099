// RunPass (pass.h): the hand-off of a succeeded run, the end of a run (history), and which Jobs
// go (JobsToDelete).
#include <chrono>
#include <cstdint>
#include <set>

#include "operator/controllers/pipeline/pass_internal.h"

namespace ferry::pipeline {

namespace detail {

namespace {


}  // namespace

Status Pass::Handoff(api::PipelineRun& run) {
  if (run.handoff && run.handoff->phase == api::kRunSucceeded) return {};
  const api::Handoff& spec = *p_.spec.handoff;
  api::HandoffStatus hs;
  hs.release = spec.releaseRef.name;
  hs.time = now_;
  auto handoff = SubstituteHandoff(spec, VariablesFor(p_, run));
  std::string failure;
  if (!handoff.ok()) {
    failure = handoff.error().message;
  } else {
    hs.image = handoff.value().image;
    hs.version = handoff.value().version;
    auto outcome = in_.handoff(handoff.value(), run);
    if (!outcome.ok()) return outcome.error();  // transient: retry the pass
    if (outcome.value().applied) {
      hs.phase = api::kRunSucceeded;
      hs.message = "Release " + hs.release + " set to version " + hs.version + " (container " +
                   outcome.value().container + " image " + hs.image + ")";
      Event(kNormal, "HandedOff", "run " + run.id + ": " + hs.message);
    } else {
      failure = outcome.value().message;
    }
  }
  if (!failure.empty()) {
    hs.phase = api::kRunFailed;
    hs.message = failure;
    run.phase = api::kRunFailed;
    run.message = "hand-off to Release " + hs.release + " failed: " + failure;
    Event(kWarning, kReasonHandoffFailed, "run " + run.id + ": " + run.message);
  }
  run.handoff = std::move(hs);
  return {};
}

void Pass::FinishRun() {
  const api::PipelineRun& run = *st_.currentRun;
  RunEnded ended{run.id, run.phase, run.trigger.type, 0, std::nullopt};
  if (run.startTime && run.completionTime && *run.completionTime >= *run.startTime) {
    ended.seconds = std::chrono::duration<double>(*run.completionTime - *run.startTime).count();
  }
  if (run.startTime) {
    // What the model would have said when the run started (the history has not changed since).
    auto estimates = EstimateStages(p_.spec.stages, st_.history);
    RunEstimate at_start = EstimateRun(p_.spec.stages, {}, estimates, *run.startTime);
    if (at_start.completion) {
      ended.estimate =
          std::chrono::duration_cast<Millis>(*at_start.completion - *run.startTime);
    }
  }
  out_.runsEnded.push_back(ended);
  RecordHistory(st_.history, Summarize(run), p_.spec.historyLimit);
  st_.currentStage.clear();
  if (run.phase == api::kRunSucceeded) {
    Event(kNormal, "RunSucceeded", "run " + run.id + " succeeded");
  } else if (run.phase == api::kRunFailed) {
    Event(kWarning, "RunFailed", "run " + run.id + " failed: " + run.message);
  }
}

}  // namespace detail

namespace {

bool JobFinished(const Json& job) {
  auto st = job.find("status");
  if (st == job.end() || !st->is_object()) return false;
  auto conds = st->find("conditions");
  if (conds == st->end() || !conds->is_array()) return false;
  for (const auto& c : *conds) {
    std::string type = c.value("type", "");
    if ((type == "Complete" || type == "Failed") && c.value("status", "") == "True") return true;
  }
  return false;
}

std::string LabelOf(const Json& job, const char* key) {
  const Json& md = job.contains("metadata") ? job["metadata"] : Json::object();
  if (!md.contains("labels") || !md["labels"].is_object()) return "";
  auto it = md["labels"].find(key);
  return it != md["labels"].end() && it->is_string() ? it->get<std::string>() : "";
}

// The run number of a run label "<pipeline>-<n>"; 0 when it is not one.
int64_t RunNumberOf(std::string_view pipeline, std::string_view run) {
  if (run.size() <= pipeline.size() + 1 || run.substr(0, pipeline.size()) != pipeline ||
      run[pipeline.size()] != '-') {
    return 0;
  }
  int64_t n = 0;
  for (char c : run.substr(pipeline.size() + 1)) {
    if (c < '0' || c > '9' || n > (INT64_MAX - 9) / 10) return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::vector<std::string> JobsToDelete(std::string_view pipeline, const api::PipelineStatus& status,
                                      const std::map<std::string, ObservedJob>& jobs) {
  std::set<std::string> known_runs;
  std::string active_run;
  if (status.currentRun) {
    known_runs.insert(LabelValue(status.currentRun->id));
    if (IsRunActive(*status.currentRun)) active_run = LabelValue(status.currentRun->id);
  }
  for (const auto& h : status.history) known_runs.insert(LabelValue(h.id));
  std::vector<std::string> out;
  for (const auto& [name, observed] : jobs) {
    const Json& job = observed.job;
    if (job.contains("metadata") && job["metadata"].contains("deletionTimestamp")) continue;
    std::string run = LabelOf(job, kLabelRun);
    int64_t number = RunNumberOf(pipeline, run);
    // Not a stage Job, or one of a run newer than this status knows (a stale read): keep it.
    if (number == 0 || number > status.lastRunNumber) continue;
    bool pruned = known_runs.count(run) == 0;
    bool stopped = run != active_run && !JobFinished(job);
    if (pruned || stopped) out.push_back(name);
  }
  return out;
}

}  // namespace ferry::pipeline

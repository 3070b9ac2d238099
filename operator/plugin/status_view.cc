// RenderReleaseStatus, RenderPipelineStatus and the history tables (render.h).
#include <algorithm>

#include "operator/plugin/render.h"
#include "operator/plugin/state.h"

namespace ferry::plugin {
namespace {

using Rows = std::vector<std::vector<std::string>>;

std::string Replicas(const api::VersionStatus& v) {
  return std::to_string(v.readyReplicas) + "/" + std::to_string(v.replicas) + " ready";
}

std::string Duration(const std::optional<api::Time>& start, const std::optional<api::Time>& end,
                     api::Time now) {
  if (!start) return "-";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(end.value_or(now) - *start));
}

void Header(Rows& rows, const api::ObjectMeta& m, std::string_view kind, const std::string& phase,
            const std::string& message) {
  rows.push_back({"Name:", m.name});
  rows.push_back({"Namespace:", m.namespace_});
  rows.push_back({"Kind:", std::string(kind)});
  rows.push_back({"Phase:", phase.empty() ? "Pending" : phase});
  if (!message.empty()) rows.push_back({"Message:", message});
}

std::string CanarySteps(const api::Release& r) {
  const auto& steps = r.spec.strategy.canary->steps;
  int current = r.status.currentStepIndex.value_or(0);
  std::string out = "Steps:\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    int idx = static_cast<int>(i);
    const char* mark = idx < current ? "  done  " : idx == current ? "  ->    " : "        ";
    out += mark + std::to_string(i) + "  " + DescribeStep(steps[i]) + "\n";
  }
  return out;
}

std::string AnalysisBlock(const api::ReleaseStatus& s) {
  if (s.analysisRuns.empty()) return "";
  Rows rows;
  for (const auto& run : s.analysisRuns) {
    std::string score;
    if (run.score) score = "score " + std::to_string(static_cast<int>(*run.score));
    rows.push_back({"  " + run.name, run.phase, score, run.message});
    for (const auto& m : run.metrics) {
      rows.push_back({"    " + m.name, m.phase,
                      std::to_string(m.successful) + " ok, " + std::to_string(m.failed) +
                          " failed, " + std::to_string(m.inconclusive) + " inconclusive",
                      "last " + LastValue(m) + (m.dryRun ? " (dry-run)" : "")});
    }
  }
  return "Analysis:\n" + FormatTable(rows);
}

}  // namespace

std::string RenderReleaseStatus(const api::Release& r, api::Time now) {
  const auto& s = r.status;
  Rows rows;
  Header(rows, r.metadata, api::IsBlueGreen(r.spec) ? "Release (blue-green)" : "Release (canary)",
         s.phase, s.message);
  rows.push_back({"Version:", r.spec.version + (s.stable.version.empty() || s.stable.version == r.spec.version
                                                    ? ""
                                                    : " (stable " + s.stable.version + ")")});
  if (api::IsCanary(r.spec)) {
    int total = s.stepCount > 0 ? s.stepCount : static_cast<int>(r.spec.strategy.canary->steps.size());
    rows.push_back({"Step:", ProgressBar(s.currentStepIndex.value_or(0), total)});
    rows.push_back({"Weight:", WeightBar(s.canaryWeight)});
  }
  std::string stable_role = api::IsBlueGreen(r.spec) ? "Active:" : "Stable:";
  std::string canary_role = api::IsBlueGreen(r.spec) ? "Preview:" : "Canary:";
  if (!s.stable.deployment.empty()) {
    rows.push_back({stable_role, s.stable.deployment + "  " + s.stable.version + "  " + Replicas(s.stable)});
  }
  if (s.canary) {
    rows.push_back({canary_role, s.canary->deployment + "  " + s.canary->version + "  " + Replicas(*s.canary)});
  }
  if (s.abort) rows.push_back({"Aborted:", s.abort->reason + ": " + s.abort->message});
  rows.push_back({"Running for:", Duration(s.startTime, s.completionTime, now)});
  std::string waiting = ReleaseWaitingFor(r, now);
  std::string out = FormatTable(rows);
  if (api::IsCanary(r.spec)) out += CanarySteps(r);
  out += AnalysisBlock(s);
  if (!waiting.empty()) out += "Waiting for: " + waiting + "\n";
  return out;
}

std::string RenderPipelineStatus(const api::Pipeline& p, api::Time now) {
  const auto& s = p.status;
  Rows rows;
  Header(rows, p.metadata, "Pipeline", s.phase, s.message);
  const api::PipelineRun* run = s.currentRun ? &*s.currentRun : nullptr;
  std::string out;
  if (run) {
    rows.push_back({"Run:", run->id + " (" + run->phase + ")"});
    rows.push_back({"Revision:", (run->revision.empty() ? "-" : run->revision) +
                                     (run->ref.empty() ? "" : " on " + run->ref)});
    rows.push_back({"Trigger:", run->trigger.type.empty() ? "-" : run->trigger.type});
    int done = static_cast<int>(std::count_if(run->stages.begin(), run->stages.end(), [](const auto& st) {
      return st.phase == api::kRunSucceeded || st.phase == api::kStageSkipped;
    }));
    rows.push_back({"Stages:", ProgressBar(done, static_cast<int>(run->stages.size()))});
    rows.push_back({"Running for:", Duration(run->startTime, run->completionTime, now)});
    out = FormatTable(rows);
    Rows stages = {{"  STAGE", "PHASE", "JOB", "DURATION", "MESSAGE"}};
    for (const auto& st : run->stages) {
      stages.push_back({"  " + st.name, st.phase.empty() ? "Pending" : st.phase,
                        st.jobName.empty() ? "-" : st.jobName,
                        Duration(st.startTime, st.completionTime, now), st.message});
    }
    out += FormatTable(stages);
  } else {
    rows.push_back({"Run:", s.history.empty() ? "none yet (start one: kubectl ferry run " + p.metadata.name + ")"
                                              : "last " + s.history.front().id + " " + s.history.front().phase});
    out = FormatTable(rows);
  }
  if (std::string w = PipelineWaitingFor(p); !w.empty()) out += "Waiting for: " + w + "\n";
  return out;
}

std::string RenderReleaseHistory(const api::Release& r, api::Time now) {
  Rows rows = {{"VERSION", "RESULT", "REASON", "STARTED", "DURATION", "MESSAGE"}};
  for (const auto& h : r.status.history) {
    rows.push_back({h.version, h.result, h.reason.empty() ? "-" : h.reason,
                    h.startTime ? Age(h.startTime, now) + " ago" : "-",
                    Duration(h.startTime, h.completionTime, now), h.message});
  }
  if (r.status.history.empty()) return "No finished rollouts of release.ferry.dev/" + r.metadata.name + " yet.\n";
  return FormatTable(rows);
}

std::string RenderPipelineHistory(const api::Pipeline& p, api::Time now) {
  Rows rows = {{"RUN", "REVISION", "TRIGGER", "PHASE", "STARTED", "DURATION", "STAGES"}};
  for (const auto& h : p.status.history) {
    std::string stages;
    for (const auto& st : h.stages) stages += (stages.empty() ? "" : " ") + st.name + ":" + st.phase;
    rows.push_back({h.id, h.revision.empty() ? "-" : h.revision.substr(0, 12), h.trigger, h.phase,
                    h.startTime ? Age(h.startTime, now) + " ago" : "-",
                    Duration(h.startTime, h.completionTime, now), stages});
  }
  if (p.status.history.empty()) return "No finished runs of pipeline.ferry.dev/" + p.metadata.name + " yet.\n";
  return FormatTable(rows);
}

}  // namespace ferry::plugin

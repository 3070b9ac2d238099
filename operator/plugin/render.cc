#include "operator/plugin/render.h"

#include <algorithm>
#include <cstdio>

#include "operator/plugin/workload.h"

namespace ferry::plugin {
namespace {

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

constexpr char kBranch[] = "├─ ";
constexpr char kLastBranch[] = "└─ ";

// Rows of one Ferry object and its children; the first cell is the tree-decorated name.
struct Node {
  std::vector<std::string> cells;  // NAME, STATUS, READY, INFO, AGE
  std::vector<std::vector<std::string>> children;
};

void Emit(const Node& n, const std::string& ns, const TreeOptions& o,
          std::vector<std::vector<std::string>>& rows) {
  auto add = [&](std::vector<std::string> cells) {
    if (o.show_namespace) cells.insert(cells.begin(), ns);
    rows.push_back(std::move(cells));
  };
  add(n.cells);
  for (size_t i = 0; i < n.children.size(); ++i) {
    auto cells = n.children[i];
    cells[0] = (i + 1 == n.children.size() ? kLastBranch : kBranch) + cells[0];
    add(std::move(cells));
  }
}

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::vector<std::string> DeploymentRow(const api::VersionStatus& v, std::string_view role,
                                       const std::string& ns, const Workloads& w,
                                       const TreeOptions& o) {
  auto it = w.deployments.find(Key(ns, v.deployment));
  std::string info = Join({std::string(role), v.version, o.wide ? v.templateHash : ""}, " ");
  if (it == w.deployments.end()) {
    return {"deployment.apps/" + v.deployment, "NotFound", "-", info, "-"};
  }
  DeploymentSummary d = SummarizeDeployment(it->second);
  if (o.wide && !d.images.empty()) info += " " + d.images;
  return {"deployment.apps/" + v.deployment, d.status,
          std::to_string(d.ready) + "/" + std::to_string(d.desired), info,
          Age(d.created, o.now)};
}

Node ReleaseNode(const api::Release& r, const Workloads& w, const TreeOptions& o) {
  const auto& s = r.status;
  std::string step;
  if (s.stepCount > 0) {
    step = "step " + std::to_string(std::min(s.currentStepIndex.value_or(0), s.stepCount)) + "/" +
           std::to_string(s.stepCount);
  }
  std::string weight = api::IsCanary(r.spec) ? "weight " + std::to_string(s.canaryWeight) + "%" : "";
  Node n;
  n.cells = {"release.ferry.dev/" + r.metadata.name, s.phase.empty() ? "Pending" : s.phase, "",
             Join({r.spec.version, step, weight}, " · "), Age(r.metadata.creationTimestamp, o.now)};
  const std::string& ns = r.metadata.namespace_;
  bool bg = api::IsBlueGreen(r.spec);
  if (!s.stable.deployment.empty()) {
    n.children.push_back(DeploymentRow(s.stable, bg ? "active" : "stable", ns, w, o));
  }
  if (s.canary && !s.canary->deployment.empty() && s.canary->deployment != s.stable.deployment) {
    n.children.push_back(DeploymentRow(*s.canary, bg ? "preview" : "canary", ns, w, o));
  }
  for (const auto& run : s.analysisRuns) {
    std::vector<std::string> values;
    for (const auto& m : run.metrics) values.push_back(m.name + "=" + LastValue(m));
    n.children.push_back({"analysis/" + run.name, run.phase, "", Join(values, " "),
                          Age(run.startTime, o.now)});
  }
  return n;
}

Node PipelineNode(const api::Pipeline& p, const Workloads& w, const TreeOptions& o) {
  const auto& s = p.status;
  const api::PipelineRun* run = s.currentRun ? &*s.currentRun : nullptr;
  std::string info;
  if (run) {
    info = Join({"run #" + std::to_string(run->number),
                 run->revision.substr(0, o.wide ? std::string::npos : 7),
                 s.currentStage.empty() ? "" : "stage " + s.currentStage},
                " · ");
  } else if (!s.history.empty()) {
    info = "last run #" + std::to_string(s.history.front().number) + " " + s.history.front().phase;
  }
  Node n;
  n.cells = {"pipeline.ferry.dev/" + p.metadata.name, s.phase.empty() ? "Pending" : s.phase, "",
             info, Age(p.metadata.creationTimestamp, o.now)};
  if (!run) return n;
  for (const auto& st : run->stages) {
    if (st.jobName.empty()) continue;
    auto it = w.jobs.find(Key(p.metadata.namespace_, st.jobName));
    JobSummary j = it == w.jobs.end() ? JobSummary{"NotFound", "-", std::nullopt}
                                      : SummarizeJob(it->second);
    n.children.push_back({"job.batch/" + st.jobName, j.status, j.completions,
                          Join({"stage " + st.name, st.attempts > 1 ? "attempt " + std::to_string(st.attempts) : ""}, " · "),
                          Age(j.created, o.now)});
  }
  return n;
}

}  // namespace

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - DisplayWidth(row[i]) + kColumnGap, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string HumanDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  auto two = [](int64_t a, const char* ua, int64_t b, const char* ub) {
    return std::to_string(a) + ua + (b == 0 ? "" : std::to_string(b) + ub);
  };
  int64_t m = s / 60, h = s / 3600, days = h / 24, years = days / 365;
  if (s < 120) return std::to_string(s) + "s";
  if (m < 10) return two(m, "m", s % 60, "s");
  if (m < 180) return std::to_string(m) + "m";
  if (h < 8) return two(h, "h", m % 60, "m");
  if (h < 48) return std::to_string(h) + "h";
  if (h < 24 * 8) return two(days, "d", h % 24, "h");
  if (days < 365 * 2) return std::to_string(days) + "d";
  if (days < 365 * 8) return two(years, "y", days % 365, "d");
  return std::to_string(years) + "y";
}

std::string Age(const std::optional<api::Time>& since, api::Time now) {
  if (!since) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *since));
}

std::string ProgressBar(int current_index, int total) {
  if (total <= 0) return "[] 0/0";
  int i = std::clamp(current_index, 0, total);
  std::string bar(static_cast<size_t>(i), '=');
  if (i < total) bar += '>' + std::string(static_cast<size_t>(total - i - 1), '.');
  return "[" + bar + "] " + std::to_string(i) + "/" + std::to_string(total);
}

std::string WeightBar(int weight, int width) {
  int w = std::clamp(weight, 0, 100);
  int filled = (w * width + 50) / 100;
  return "[" + std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(width - filled), '-') + "] " + std::to_string(w) + "%";
}

std::string DescribeStep(const api::CanaryStep& step) {
  if (step.setWeight) return "setWeight " + std::to_string(*step.setWeight);
  if (step.pause) return step.pause->duration ? "pause " + *step.pause->duration : "pause (until promoted)";
  if (step.analysis) {
    std::string names;
    for (const auto& m : step.analysis->metrics) names += (names.empty() ? "" : ", ") + m;
    return "analysis " + names;
  }
  if (step.setHeaderRoute) return "setHeaderRoute " + step.setHeaderRoute->name;
  if (step.setMirror) return "setMirror " + std::to_string(step.setMirror->percentage) + "%";
  if (const auto& sc = step.setCanaryScale) {
    if (sc->replicas) return "setCanaryScale replicas " + std::to_string(*sc->replicas);
    if (sc->weight) return "setCanaryScale weight " + std::to_string(*sc->weight) + "%";
    return "setCanaryScale matchTrafficWeight";
  }
  return "(empty step)";
}

std::string LastValue(const api::MetricResult& m) {
  for (auto it = m.measurements.rbegin(); it != m.measurements.rend(); ++it) {
    if (it->value) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.4g", *it->value);
      return buf;
    }
  }
  return m.phase.empty() ? "-" : m.phase;
}

std::string RenderTree(const std::vector<api::Release>& releases,
                       const std::vector<api::Pipeline>& pipelines, const Workloads& workloads,
                       const TreeOptions& options) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"NAME", "STATUS", "READY", "INFO", "AGE"};
  if (options.show_namespace) header.insert(header.begin(), "NAMESPACE");
  rows.push_back(header);
  for (const auto& r : releases) Emit(ReleaseNode(r, workloads, options), r.metadata.namespace_, options, rows);
  for (const auto& p : pipelines) Emit(PipelineNode(p, workloads, options), p.metadata.namespace_, options, rows);
  return FormatTable(rows);
}

}  // namespace ferry::plugin

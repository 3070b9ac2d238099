#include "operator/controllers/pipeline/estimate.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace ferry::pipeline {

Millis Quantile(const std::vector<Millis>& sorted, double q) {
  assert(!sorted.empty());
  double pos = q * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  double frac = pos - static_cast<double>(lo);
  double v = static_cast<double>(sorted[lo].count()) +
             frac * static_cast<double>(sorted[hi].count() - sorted[lo].count());
  return Millis(static_cast<int64_t>(std::llround(v)));
}

std::optional<DurationEstimate> EstimateDuration(std::vector<Millis> samples) {
  if (samples.empty()) return std::nullopt;
  std::sort(samples.begin(), samples.end());
  DurationEstimate e;
  e.samples = samples.size();
  e.median = Quantile(samples, 0.5);
  e.low = Quantile(samples, kEstimateLowQuantile);
  e.high = Quantile(samples, kEstimateHighQuantile);
  std::vector<Millis> deviations;
  for (auto s : samples) deviations.push_back(s > e.median ? s - e.median : e.median - s);
  std::sort(deviations.begin(), deviations.end());
  e.mad = Quantile(deviations, 0.5);
  return e;
}

std::vector<Millis> SuccessfulStageDurations(const std::vector<api::RunSummary>& history,
                                             std::string_view stage, size_t max_samples) {
  std::vector<Millis> out;
  for (const auto& run : history) {
    if (out.size() >= max_samples) break;
    for (const auto& s : run.stages) {
      if (s.name == stage && s.phase == api::kRunSucceeded && s.durationSeconds >= 0) {
        out.push_back(std::chrono::seconds(s.durationSeconds));
      }
    }
  }
  return out;
}

std::map<std::string, DurationEstimate> EstimateStages(
    const std::vector<api::Stage>& stages, const std::vector<api::RunSummary>& history) {
  std::map<std::string, DurationEstimate> out;
  for (const auto& s : stages) {
    if (auto e = EstimateDuration(SuccessfulStageDurations(history, s.name))) out[s.name] = *e;
  }
  return out;
}

namespace {

// When `stage` ends, or nullopt when unknown. `ends` holds the stages before it in DAG order.
std::optional<api::Time> StageEnd(const api::Stage& stage, const StageProgress& p,
                                  const std::map<std::string, DurationEstimate>& estimates,
                                  const std::map<std::string, api::Time>& ends, api::Time now) {
  switch (p.phase) {
    case StagePhase::kSucceeded:
    case StagePhase::kFailed:
      return p.completionTime ? *p.completionTime : now;
    default:
      break;
  }
  api::Time ready = now;
  for (const auto& dep : stage.dependsOn) {
    auto it = ends.find(dep);
    if (it == ends.end()) return std::nullopt;
    ready = std::max(ready, it->second);
  }
  if (p.phase == StagePhase::kSkipped) return ready;
  auto e = estimates.find(stage.name);
  if (e == estimates.end()) return std::nullopt;
  if (p.phase == StagePhase::kRunning) {
    api::Time start = p.startTime ? *p.startTime : now;
    return std::max(start + e->second.median, now);
  }
  return ready + e->second.median;
}

std::vector<std::string> CriticalPath(const std::vector<api::Stage>& stages,
                                      const std::map<std::string, api::Time>& ends,
                                      std::string last) {
  std::map<std::string, const api::Stage*> by_name;
  for (const auto& s : stages) by_name[s.name] = &s;
  std::vector<std::string> path;
  while (!last.empty()) {
    path.push_back(last);
    std::string prev;
    for (const auto& dep : by_name[last]->dependsOn) {
      if (prev.empty() || ends.at(dep) > ends.at(prev)) prev = dep;
    }
    last = prev;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace

RunEstimate EstimateRun(const std::vector<api::Stage>& stages,
                        const std::map<std::string, StageProgress>& progress,
                        const std::map<std::string, DurationEstimate>& estimates, api::Time now) {
  RunEstimate out;
  auto order = api::TopologicalOrder(stages);
  assert(order && "stages must form a DAG");
  if (!order) return out;
  std::map<std::string, const api::Stage*> by_name;
  for (const auto& s : stages) by_name[s.name] = &s;
  bool complete = true;
  std::string last;
  for (const auto& name : *order) {
    auto p = progress.find(name);
    auto end = StageEnd(*by_name[name], p == progress.end() ? StageProgress{} : p->second,
                        estimates, out.stageCompletion, now);
    if (!end) {
      complete = false;
      continue;
    }
    out.stageCompletion[name] = *end;
    if (last.empty() || *end > out.stageCompletion[last]) last = name;
  }
  if (complete && !last.empty()) {
    out.completion = out.stageCompletion[last];
    out.criticalPath = CriticalPath(stages, out.stageCompletion, last);
  }
  return out;
}

EstimateError CompareEstimate(Millis estimated, Millis actual) {
  EstimateError e;
  e.seconds = static_cast<double>((actual - estimated).count()) / 1000.0;
  if (estimated.count() > 0)
    e.relative = e.seconds * 1000.0 / static_cast<double>(estimated.count());
  return e;
}

}  // namespace ferry::pipeline

#include "operator/controllers/pipeline/dora.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <tuple>

namespace ferry::pipeline {

namespace {

using Entry = api::ReleaseHistoryEntry;

std::string KeyOf(const Entry& e) {
  return e.version + "|" + e.templateHash + "|" + e.result + "|" +
         (e.completionTime ? api::FormatTime(*e.completionTime) : "");
}

double Seconds(api::Time from, api::Time to) {
  return std::max(0.0, std::chrono::duration<double>(to - from).count());
}

std::optional<api::Time> ChangeTime(const api::Release& r, const std::string& version) {
  const auto& ann = r.metadata.annotations;
  auto t = ann.find(kHandoffChangeTimeAnnotation);
  if (t == ann.end() || r.spec.version != version) return std::nullopt;
  auto parsed = api::ParseTime(t->second);
  return parsed.ok() ? std::optional<api::Time>(parsed.value()) : std::nullopt;
}

}  // namespace

std::vector<DoraObservation> ObserveRelease(const api::Release* before, const api::Release& after,
                                            api::Time since) {
  std::set<std::string> known;
  if (before != nullptr) {
    for (const auto& e : before->status.history) known.insert(KeyOf(e));
  }
  // Oldest first, by completion time (entries without one have not finished).
  std::vector<const Entry*> entries;
  for (const auto& e : after.status.history) {
    if (e.completionTime) entries.push_back(&e);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return *a->completionTime < *b->completionTime;
  });
  std::vector<DoraObservation> out;
  const Entry* previous = nullptr;
  for (const Entry* e : entries) {
    const Entry* prior = previous;
    if (e->result == api::kResultPromoted || e->result == api::kResultRolledBack) previous = e;
    if (known.count(KeyOf(*e)) != 0 || *e->completionTime < since) continue;
    if (e->result == api::kResultRolledBack) {
      out.push_back({DoraObservation::Kind::kFailure, std::nullopt, std::nullopt});
      continue;
    }
    if (e->result != api::kResultPromoted) continue;
    DoraObservation o{DoraObservation::Kind::kDeployment, std::nullopt, std::nullopt};
    if (auto changed = ChangeTime(after, e->version)) {
      o.leadTimeSeconds = Seconds(*changed, *e->completionTime);
    }
    if (prior != nullptr && prior->result == api::kResultRolledBack) {
      o.restoreSeconds = Seconds(*prior->completionTime, *e->completionTime);
    }
    out.push_back(o);
  }
  return out;
}

}  // namespace ferry::pipeline

// Builders for Release controller tests: a Release, its target Deployment, and a tiny in-memory
// "world" that executes a decision's actions the way the cluster would (the canary becomes
// available, the target rolls out), so scenarios run end to end through Decide.
#pragma once

#include <algorithm>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/decide.h"

namespace ferry::release::testing {

inline api::Time T0() { return *api::ParseTime("2026-11-25T10:00:00Z"); }

inline api::CanaryStep WeightStep(int32_t w) {
  api::CanaryStep s;
  s.setWeight = w;
  return s;
}
inline api::CanaryStep PauseStep(std::optional<std::string> d = std::nullopt) {
  api::CanaryStep s;
  s.pause = api::PauseStep{std::move(d)};
  return s;
}
inline api::CanaryStep AnalysisStep(std::vector<std::string> metrics = {"error-rate"}) {
  api::CanaryStep s;
  s.analysis = api::AnalysisRef{std::move(metrics)};
  return s;
}

inline api::Metric ErrorRateMetric() {
  api::Metric m;
  m.name = "error-rate";
  m.successCondition = "result < 0.01";
  m.provider.prometheus = api::PrometheusProvider{};
  m.provider.prometheus->address = "http://prometheus:9090";
  m.provider.prometheus->query = "sum(rate(errors[1m]))";
  return m;
}

inline api::Release MakeRelease(std::vector<api::CanaryStep> steps, std::string version = "v2") {
  api::Release r;
  r.metadata.name = "churn";
  r.metadata.namespace_ = "ml";
  r.metadata.uid = "rel-uid";
  r.metadata.generation = 1;
  r.spec.targetRef.name = "churn";
  r.spec.version = version;
  api::ContainerPatch cp;
  cp.name = "server";
  cp.image = "reg/churn:" + version;
  cp.env = {{"MODEL_URI", "s3://models/churn/" + version}};
  r.spec.template_.containers = {cp};
  r.spec.strategy.canary = api::CanaryStrategy{};
  r.spec.strategy.canary->steps = std::move(steps);
  r.spec.analysis.metrics = {ErrorRateMetric()};
  return r;
}

// Changes the Release to `version` as a new commit would (generation bumps).
inline void SetVersion(api::Release& r, const std::string& version) {
  r.spec.version = version;
  r.spec.template_.containers[0].image = "reg/churn:" + version;
  r.spec.template_.containers[0].env = {{"MODEL_URI", "s3://models/churn/" + version}};
  r.metadata.generation++;
}

inline Json TargetJson(const std::string& image, int32_t replicas,
                       const std::string& version_label = "") {
  Json labels = {{"app", "churn"}};
  if (!version_label.empty()) labels[kLabelVersion] = version_label;
  Json d = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata",
       {{"name", "churn"},
        {"namespace", "ml"},
        {"uid", "target-uid"},
        {"generation", 1},
        {"resourceVersion", "100"},
        {"labels", {{"app", "churn"}, {"app.kubernetes.io/instance", "ml-serving"}}}}},
      {"spec",
       {{"replicas", replicas},
        {"selector", {{"matchLabels", {{"app", "churn"}}}}},
        {"strategy", {{"type", "RollingUpdate"}}},
        {"template",
         {{"metadata", {{"creationTimestamp", nullptr}, {"labels", labels}}},
          {"spec",
           {{"containers",
             Json::array({{{"name", "server"},
                           {"image", image},
                           {"env", Json::array({{{"name", "MODEL_URI"},
                                                 {"value", "s3://models/churn/v1"}}})}}})}}}}}}},
      {"status",
       {{"observedGeneration", 1},
        {"replicas", replicas},
        {"updatedReplicas", replicas},
        {"readyReplicas", replicas},
        {"availableReplicas", replicas}}}};
  return d;
}

template <class A>
std::vector<A> ActionsOf(const Decision& d) {
  std::vector<A> out;
  for (const auto& a : d.actions) {
    if (const A* x = std::get_if<A>(&a)) out.push_back(*x);
  }
  return out;
}

inline std::vector<std::string> EventReasons(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& e : ActionsOf<RecordEvent>(d)) out.push_back(e.reason);
  return out;
}

inline std::string Describe(const Decision& d) {
  std::string out;
  for (const auto& a : d.actions) out += "  " + DescribeAction(a) + "\n";
  return "phase " + d.status.phase + " (" + d.status.message + ")\n" + out;
}

inline std::string ConditionStatus(const api::ReleaseStatus& s, const char* type) {
  const auto* c = api::FindCondition(s.conditions, type);
  return c ? c->status : "";
}
inline std::string ConditionReason(const api::ReleaseStatus& s, const char* type) {
  const auto* c = api::FindCondition(s.conditions, type);
  return c ? c->reason : "";
}

// The cluster as far as a Release sees it. Run() decides, executes the actions like the API
// server and the Deployment controller would, and stores the new status.
struct World {
  api::Release release;
  Json target;
  Json canary;                 // null when absent
  bool canary_healthy = true;  // canary pods become available
  bool target_healthy = true;  // the target's rollouts complete
  std::optional<int32_t> traffic_weight;
  std::map<std::string, PodSelection> selectors;  // what SetServiceSelector last set
  bool analysis_available = true;
  PodHealth pods;
  api::Time now = T0();
  std::vector<Decision> decisions;
  Snapshot last;  // the snapshot of the latest Run, before its actions were executed

  Snapshot Snap() const {
    Snapshot s;
    s.release = release;
    s.target = ObserveDeployment(target);
    s.canary = ObserveDeployment(canary);
    s.canaryPods = pods;
    s.trafficWeight = traffic_weight;
    const auto& bg = release.spec.strategy.blueGreen;
    if (bg && release.status.blueGreen) {  // what the reconciler reads (ObserveSelections)
      s.activeSelection = Selection(bg->activeService);
      s.previewSelection = Selection(bg->previewService);
    }
    s.analysisAvailable = analysis_available;
    s.now = now;
    return s;
  }

  // What Service `name` selects: what SetServiceSelector last set, else its own selector.
  std::optional<PodSelection> Selection(const std::string& name) const {
    if (name.empty()) return std::nullopt;
    auto it = selectors.find(name);
    return it == selectors.end() ? PodSelection::kAll : it->second;
  }

  const Decision& Run() {
    last = Snap();
    Decision d = Decide(last);
    for (const auto& a : d.actions) Execute(a);
    release.status = d.status;
    decisions.push_back(std::move(d));
    return decisions.back();
  }

  // Sets the analysis run `name` in status to `phase`, as the analysis runner would.
  void SetRun(const std::string& name, const char* phase) {
    for (auto& r : release.status.analysisRuns) {
      if (r.name == name) r.phase = phase;
    }
  }

  void Annotate(const char* key, const std::string& nonce) {
    release.metadata.annotations[key] = nonce;
  }

  void ScaleTarget(int32_t replicas) {
    target["spec"]["replicas"] = replicas;
    target["metadata"]["generation"] = target["metadata"]["generation"].get<int64_t>() + 1;
    Settle(target, target_healthy);
  }

  static void Settle(Json& d, bool healthy) {
    const int32_t n = d["spec"]["replicas"];
    d["status"]["observedGeneration"] = d["metadata"]["generation"];
    d["status"]["replicas"] = n;
    d["status"]["updatedReplicas"] = n;
    d["status"]["readyReplicas"] = healthy ? n : 0;
    d["status"]["availableReplicas"] = healthy ? n : 0;
  }

  void Execute(const Action& a) {
    if (const auto* e = std::get_if<EnsureCanary>(&a)) {
      Json next = e->deployment;
      next["metadata"]["uid"] = "canary-uid";
      next["metadata"]["generation"] =
          canary.is_object() ? canary["metadata"]["generation"].get<int64_t>() + 1 : 1;
      canary = next;
      Settle(canary, canary_healthy);
    } else if (std::get_if<DeleteCanary>(&a)) {
      canary = nullptr;
    } else if (const auto* p = std::get_if<PromoteTarget>(&a)) {
      MergeTemplate(p->body["spec"]["template"]);
    } else if (std::get_if<RestoreTarget>(&a)) {
      target["spec"]["template"] = release.status.rollbackTemplate.is_null()
                                       ? restore_template_
                                       : release.status.rollbackTemplate;
      Bump();
    } else if (const auto* w = std::get_if<SetTrafficWeight>(&a)) {
      traffic_weight = w->weight;
    } else if (const auto* sel = std::get_if<SetServiceSelector>(&a)) {
      selectors[sel->service] = sel->select;
    }
  }

  void MergeTemplate(const Json& t) {
    restore_template_ = target["spec"]["template"];
    Json& cur = target["spec"]["template"];
    for (const auto& [k, v] : t["metadata"].items()) {
      for (const auto& [kk, vv] : v.items()) cur["metadata"][k][kk] = vv;
    }
    for (const auto& c : t["spec"]["containers"]) {
      for (auto& tc : cur["spec"]["containers"]) {
        if (tc["name"] != c["name"]) continue;
        if (c.contains("image")) tc["image"] = c["image"];
        for (const auto& e : c.value("env", Json::array())) {
          bool found = false;
          for (auto& te : tc["env"]) {
            if (te["name"] == e["name"]) te = e, found = true;
          }
          if (!found) tc["env"].push_back(e);
        }
      }
    }
    Bump();
  }

  void Bump() {
    target["metadata"]["generation"] = target["metadata"]["generation"].get<int64_t>() + 1;
    if (target_healthy) {
      Settle(target, true);
    } else {
      target["status"]["observedGeneration"] = target["metadata"]["generation"];
      target["status"]["updatedReplicas"] = 1;
      target["status"]["replicas"] = target["spec"]["replicas"].get<int32_t>() + 1;
    }
  }

 private:
  Json restore_template_;
};

// Deciding again on the latest snapshot with the status the latest decision produced (as after
// a crash before the actions took effect) must be steady: the same status, no Events, only
// ensures.
inline void ExpectIdempotent(const World& w) {
  Snapshot s = w.last;
  s.release.status = w.release.status;
  Decision again = Decide(s);
  EXPECT_EQ(api::EncodeReleaseStatus(again.status), api::EncodeReleaseStatus(w.release.status));
  EXPECT_FALSE(again.statusChanged) << Describe(again);
  for (const auto& a : again.actions) {
    const bool ensure =
        std::holds_alternative<EnsureCanary>(a) || std::holds_alternative<DeleteCanary>(a) ||
        std::holds_alternative<PromoteTarget>(a) || std::holds_alternative<RunAnalysis>(a) ||
        std::holds_alternative<SetTrafficWeight>(a) || std::holds_alternative<RequeueAfter>(a) ||
        std::holds_alternative<SetServiceSelector>(a);  // re-applied while the Service differs
    EXPECT_TRUE(ensure) << "not an ensure: " << DescribeAction(a);
  }
}

// A canary Release with `steps` over a target of `replicas` running v1.
inline World NewWorld(std::vector<api::CanaryStep> steps, int32_t replicas = 10) {
  World w;
  w.release = MakeRelease(std::move(steps));
  w.target = TargetJson("reg/churn:v1", replicas, "v1");
  return w;
}

inline bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

inline std::vector<SetServiceSelector> Selectors(const Decision& d) {
  return ActionsOf<SetServiceSelector>(d);
}

}  // namespace ferry::release::testing

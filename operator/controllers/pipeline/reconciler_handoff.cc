// Reconciler::ApplyHandoff (reconciler.h): the hand-off's server-side apply to the Release.
#include "operator/controllers/pipeline/dora.h"
#include "operator/controllers/pipeline/handoff.h"
#include "operator/controllers/pipeline/reconciler.h"
#include "operator/controllers/pipeline/webhook/receiver.h"

namespace ferry::pipeline {

namespace {

HandoffOutcome Failed(std::string message) { return {false, "", std::move(message)}; }

// The target's container names, read only when the hand-off must fall back to them.
std::vector<std::string> TargetContainers(kube::Client& client, const api::Release& r) {
  if (r.spec.targetRef.kind != "Deployment") return {};
  auto dep = client.Get(kube::kDeployments, r.metadata.namespace_, r.spec.targetRef.name);
  if (!dep.ok()) return {};
  std::vector<std::string> names;
  const auto& spec = dep.value();
  if (!spec.contains("spec")) return {};
  auto containers = spec["spec"].value("template", nlohmann::json::object())
                        .value("spec", nlohmann::json::object())
                        .value("containers", nlohmann::json::array());
  for (const auto& c : containers) names.push_back(c.value("name", ""));
  return names;
}

// When the change was made: the webhook's commit time for the delivery that started the run,
// else the run's start (the push, the GitOps commit or the manual request reached Ferry then).
std::optional<api::Time> ChangeTime(const api::Pipeline& p, const api::PipelineRun& run) {
  const auto& ann = p.metadata.annotations;
  auto nonce = ann.find(api::kRequestRun);
  auto commit = ann.find(webhook::kRunCommitTimeAnnotation);
  if (!run.trigger.request.empty() && nonce != ann.end() && nonce->second == run.trigger.request &&
      commit != ann.end()) {
    if (auto t = api::ParseTime(commit->second); t.ok()) return t.value();
  }
  return run.startTime;
}

}  // namespace

Result<HandoffOutcome> Reconciler::ApplyHandoff(const api::Pipeline& p, const api::Handoff& h,
                                                const api::PipelineRun& run) {
  const std::string& ns = p.metadata.namespace_;
  const std::string& release_name = h.releaseRef.name;
  cache::ObjectPtr obj = d_.releases.indexer().Get(ns + "/" + release_name);
  nlohmann::json fetched;
  if (!obj) {  // maybe created a moment ago: ask the API server before giving up
    auto got = d_.client.Get(kReleases, ns, release_name);
    if (!got.ok()) {
      if (!kube::IsNotFound(got.error())) return Error{got.error().ToString()};
      return Failed("Release " + ns + "/" + release_name +
                    " not found; create it or fix spec.handoff.releaseRef.name");
    }
    fetched = std::move(got.value());
  }
  auto release = api::DecodeRelease(obj ? *obj : fetched);
  if (!release.ok()) {
    return Failed("Release " + release_name + " cannot be read: " +
                  api::JoinErrors(release.error()));
  }
  std::vector<std::string> target;
  if (h.container.empty() && release.value().spec.template_.containers.empty()) {
    target = TargetContainers(d_.client, release.value());
  }
  auto container = HandoffContainer(h, release.value(), target);
  if (!container.ok()) return Failed(container.error().message);
  auto body = BuildHandoffApply(h, ns, container.value());
  if (!body.ok()) return Failed(body.error().message);
  // Provenance for the Release controller and the lead-time metric. Deterministic per run, so
  // a repeated pass applies the very same document.
  nlohmann::json annotations{{api::kHandoffRevisionAnnotation, run.revision},
                             {api::kHandoffRunAnnotation, ns + "/" + run.id}};
  if (run.completionTime) {
    annotations[api::kHandoffTimeAnnotation] = api::FormatTime(*run.completionTime);
  }
  if (auto changed = ChangeTime(p, run)) {
    annotations[kHandoffChangeTimeAnnotation] = api::FormatTime(*changed);
  }
  body.value()["metadata"]["annotations"] = std::move(annotations);
  kube::ApplyOptions opts;
  opts.field_manager = kHandoffFieldManager;
  opts.force = true;
  auto applied = d_.client.Apply(kReleases, body.value(), opts);
  if (!applied.ok()) {
    const kube::Error& e = applied.error();
    if (kube::IsInvalid(e) || kube::IsNotFound(e) || kube::IsForbidden(e) || e.code == 400) {
      return Failed("the API server refused the hand-off: " + e.ToString());
    }
    return Error{"hand-off to Release " + ns + "/" + release_name + ": " + e.ToString()};
  }
  return HandoffOutcome{true, container.value(), ""};
}

}  // namespace ferry::pipeline

// Decide(): prechecks, then one of idle / canary steps / promotion, then status and conditions.
#include "operator/controllers/release/decide.h"

#include <algorithm>

#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/context.h"

namespace ferry::release {
namespace internal {

namespace {
const std::vector<api::CanaryStep> kNoSteps;
}  // namespace

ReleaseContext::ReleaseContext(const Snapshot& s)
    : snap(s),
      rel(s.release),
      spec(s.release.spec),
      now(api::TruncateToSeconds(s.now)),
      st(s.release.status) {}

void ReleaseContext::Event(const char* type, std::string reason, std::string message) {
  actions.emplace_back(RecordEvent{type, std::move(reason), std::move(message)});
}

void ReleaseContext::Requeue(Millis after) {
  after = std::max(after, Millis(0));
  if (!requeue || after < *requeue) requeue = after;
}

const std::vector<api::CanaryStep>& ReleaseContext::Steps() const {
  return spec.strategy.canary ? spec.strategy.canary->steps : kNoSteps;
}

int32_t ReleaseContext::StepIndex() const {
  return std::clamp(st.currentStepIndex.value_or(0), 0, StepCount());
}

std::string ReleaseContext::StepLabel(int32_t index) const {
  if (spec.strategy.blueGreen) return "blue-green";
  return "step " + std::to_string(std::min(index + 1, StepCount())) + "/" +
         std::to_string(StepCount());
}

Millis ReleaseContext::Since(const std::optional<api::Time>& t) const {
  if (!t) return Millis(0);
  return std::chrono::duration_cast<Millis>(now - *t);
}

namespace {

bool Fail(ReleaseContext& c, const char* reason, std::string message) {
  c.stalled = {reason, std::move(message)};
  if (!c.st.canary) c.st.phase = api::kReleaseFailed;
  c.st.message = c.stalled->second;
  return false;
}

// Everything that must hold before any rollout logic runs; on failure nothing is touched.
bool Prechecks(ReleaseContext& c) {
  const auto& r = c.rel;
  if (auto errs = api::ValidateRelease(r); !errs.empty()) {
    return Fail(c, kReasonInvalidSpec, api::JoinErrors(errs));
  }
  c.routed = r.spec.strategy.canary && r.spec.strategy.canary->trafficRouting.has_value();
  c.canary_name = CanaryName(r.metadata.name);
  const auto& t = c.snap.target;
  if (!t.exists || t.deleting) {
    return Fail(c, kReasonTargetNotFound,
                "Deployment " + r.spec.targetRef.name + " (spec.targetRef.name) " +
                    (t.exists ? "is being deleted"
                              : "does not exist in namespace " + r.metadata.namespace_));
  }
  auto vt = VersionTemplate(t.podTemplate, r);
  if (!vt.ok()) return Fail(c, kReasonInvalidSpec, vt.error().message);
  c.version_template = std::move(*vt);
  c.desired_hash = TemplateHash(c.version_template);
  auto canary = BuildCanaryDeployment(t.spec, r, c.version_template, 0);
  if (!canary.ok()) return Fail(c, kReasonInvalidSpec, canary.error().message);
  c.canary_object = std::move(*canary);
  if (c.snap.canary.exists && c.snap.canary.controllerUid != r.metadata.uid) {
    return Fail(c, kReasonCanaryConflict,
                "Deployment " + c.canary_name +
                    " exists and is not controlled by this Release; "
                    "delete or rename it so Ferry can create its canary");
  }
  return true;
}

void ObserveStable(ReleaseContext& c) {
  const auto& t = c.snap.target;
  c.st.stable.deployment = t.name;
  c.st.stable.replicas = t.specReplicas;
  c.st.stable.readyReplicas = t.readyReplicas;
  c.st.stable.availableReplicas = t.availableReplicas;
}

}  // namespace
}  // namespace internal

Decision Decide(const Snapshot& snapshot) {
  using namespace internal;
  ReleaseContext c(snapshot);
  c.st.observedGeneration = snapshot.release.metadata.generation;
  if (Prechecks(c)) {
    ObserveStable(c);
    TakeRequests(c);
    if (!c.st.canary) {
      ReconcileIdle(c);
    } else if (c.spec.strategy.blueGreen) {
      ReconcileBlueGreen(c);
    } else if (c.st.phase == api::kReleasePromoting) {
      ReconcilePromotion(c);
    } else if (ReconcileIdentity(c)) {
      ReconcileCanary(c);
    }
    ReportIgnoredRequests(c);
  }
  FinishStatus(c, snapshot.release.status);
  Decision d;
  d.status = std::move(c.st);
  d.actions = std::move(c.actions);
  if (c.requeue) d.actions.emplace_back(RequeueAfter{*c.requeue});
  d.statusChanged = !(d.status == snapshot.release.status);
  d.completions = std::move(c.completions);
  return d;
}

}  // namespace ferry::release

// Phase transitions of the Release decision core: start, steps, pauses, manual requests,
// promotion, superseding, cancelling. Failures and drift are in decide_failure_test.cc.
#include "operator/controllers/release/decide.h"

#include <gtest/gtest.h>

#include "tests/controllers/release/fixture.h"

namespace ferry::release {
namespace {

using namespace testing;
using std::chrono::seconds;

TEST(Decide, AdoptsATargetThatAlreadyRunsTheVersion) {
  World w = NewWorld({WeightStep(10)});
  w.target = TargetJson("reg/churn:v2", 3);
  w.target["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = "s3://models/churn/v2";
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.phase, api::kReleaseHealthy) << Describe(d);
  EXPECT_EQ(d.status.stable.version, "v2");
  EXPECT_EQ(d.status.stable.replicas, 3);
  EXPECT_EQ(ConditionStatus(d.status, api::kConditionReady), "True");
  EXPECT_EQ(ConditionStatus(d.status, api::kConditionReconciling), "False");
  EXPECT_EQ(ConditionStatus(d.status, api::kConditionStalled), "False");
  EXPECT_EQ(d.status.observedGeneration, 1);
  EXPECT_TRUE(ActionsOf<EnsureCanary>(d).empty());
  EXPECT_TRUE(ActionsOf<PromoteTarget>(d).empty());
  ExpectIdempotent(w);
}

// The acceptance scenario: 10% -> pause -> 50% -> 100% -> promotion, in replica-ratio mode.
TEST(Decide, CleanRolloutTenFiftyHundred) {
  World w = NewWorld({WeightStep(10), PauseStep("1m"), WeightStep(50), WeightStep(100)});
  const int32_t stable_available = 10;

  const Decision& start = w.Run();
  EXPECT_EQ(start.status.phase, api::kReleaseProgressing) << Describe(start);
  EXPECT_TRUE(Has(EventReasons(start), "RolloutStarted"));
  ASSERT_EQ(ActionsOf<EnsureCanary>(start).size(), 1u);
  EXPECT_EQ(ActionsOf<EnsureCanary>(start)[0].replicas, 1);
  EXPECT_EQ(start.status.stable.version, "v1");
  EXPECT_EQ(start.status.canary->version, "v2");
  EXPECT_EQ(start.status.currentStepIndex, 0);
  EXPECT_EQ(start.status.stepCount, 4);
  EXPECT_EQ(ConditionStatus(start.status, api::kConditionReconciling), "True");
  ExpectIdempotent(w);

  const Decision& paused = w.Run();  // canary available at 1: step 0 done, the pause starts
  EXPECT_EQ(paused.status.phase, api::kReleasePaused) << Describe(paused);
  EXPECT_EQ(paused.status.currentStepIndex, 1);
  EXPECT_EQ(paused.status.canaryWeight, 10);
  EXPECT_EQ(paused.status.canary->deployment, "churn-canary");
  EXPECT_EQ(ConditionStatus(paused.status, kConditionPaused), "True");
  ASSERT_EQ(ActionsOf<RequeueAfter>(paused).size(), 1u);
  EXPECT_EQ(ActionsOf<RequeueAfter>(paused)[0].after, seconds(60));
  ExpectIdempotent(w);

  w.now += seconds(30);
  const Decision& still = w.Run();
  EXPECT_EQ(still.status.phase, api::kReleasePaused);
  EXPECT_EQ(ActionsOf<RequeueAfter>(still)[0].after, seconds(30));
  EXPECT_FALSE(still.statusChanged) << Describe(still);

  w.now += seconds(30);
  const Decision& fifty = w.Run();
  EXPECT_EQ(fifty.status.currentStepIndex, 2) << Describe(fifty);
  ASSERT_EQ(ActionsOf<EnsureCanary>(fifty).size(), 1u);
  EXPECT_EQ(ActionsOf<EnsureCanary>(fifty)[0].replicas, 10);
  ExpectIdempotent(w);

  const Decision& hundred = w.Run();  // 50% reached; 100% needs no more pods (10 on top of 10)
  EXPECT_EQ(hundred.status.phase, api::kReleasePromoting) << Describe(hundred);
  // The target's counts still describe the old template: no "10 updated" before the apply.
  EXPECT_TRUE(hundred.status.message.ends_with(": applying the new template"))
      << hundred.status.message;
  ASSERT_EQ(ActionsOf<PromoteTarget>(hundred).size(), 1u);
  EXPECT_FALSE(hundred.status.rollbackTemplate.is_null());
  ExpectIdempotent(w);

  const Decision& done = w.Run();
  EXPECT_EQ(done.status.phase, api::kReleaseHealthy) << Describe(done);
  EXPECT_EQ(done.status.stable.version, "v2");
  EXPECT_EQ(done.status.stable.templateHash, ObserveDeployment(w.target).templateHash);
  EXPECT_FALSE(done.status.canary);
  EXPECT_TRUE(done.status.rollbackTemplate.is_null());
  ASSERT_EQ(ActionsOf<DeleteCanary>(done).size(), 1u);
  ASSERT_EQ(done.status.history.size(), 1u);
  EXPECT_EQ(done.status.history[0].result, api::kResultPromoted);
  ASSERT_EQ(done.completions.size(), 1u);
  EXPECT_EQ(done.completions[0].duration, seconds(60));
  EXPECT_TRUE(Has(EventReasons(done), "Promoted"));
  EXPECT_EQ(ConditionStatus(done.status, api::kConditionReady), "True");
  EXPECT_TRUE(w.canary.is_null());
  ExpectIdempotent(w);

  // The target now runs v2 with Ferry's labels; its replicas were never touched.
  EXPECT_EQ(w.target["spec"]["template"]["spec"]["containers"][0]["image"], "reg/churn:v2");
  EXPECT_EQ(w.target["spec"]["template"]["metadata"]["labels"][kLabelVersion], "v2");
  EXPECT_EQ(w.target["spec"]["replicas"], 10);
  EXPECT_GE(w.target["status"]["availableReplicas"].get<int32_t>(), stable_available);
  for (const auto& d : w.decisions) {
    for (const auto& p : ActionsOf<PromoteTarget>(d))
      EXPECT_FALSE(p.body["spec"].contains("replicas"));
  }

  const Decision& quiet = w.Run();
  EXPECT_FALSE(quiet.statusChanged) << Describe(quiet);
  EXPECT_TRUE(quiet.actions.empty()) << Describe(quiet);
}

TEST(Decide, UntimedPauseWaitsForPromote) {
  World w = NewWorld({WeightStep(10), PauseStep(), WeightStep(20)});
  w.Run();
  const Decision& paused = w.Run();
  EXPECT_EQ(paused.status.phase, api::kReleasePaused);
  EXPECT_NE(paused.status.message.find("until promoted"), std::string::npos)
      << paused.status.message;
  w.now += std::chrono::hours(48);
  EXPECT_EQ(w.Run().status.currentStepIndex, 1);  // no timer
  w.Annotate(api::kRequestPromote, "n1");
  const Decision& promoted = w.Run();
  EXPECT_EQ(promoted.status.currentStepIndex, 2) << Describe(promoted);
  EXPECT_EQ(promoted.status.lastHandledRequests.promote, "n1");
  EXPECT_TRUE(promoted.status.pauseConditions.empty());
  ExpectIdempotent(w);
  // The same nonce again does nothing.
  const Decision& again = w.Run();
  EXPECT_EQ(again.status.phase, api::kReleasePromoting) << Describe(again);  // 20% reached
}

// One Event per pause step: StepStarted names it; only a first step, which no StepStarted
// announces (RolloutStarted does not name it), gets a Paused Event.
TEST(Decide, APauseStepIsAnnouncedByOneEvent) {
  struct Row {
    std::vector<api::CanaryStep> steps;
    int passes;  // until the pause holds
    std::vector<std::string> pause_events;  // of the pass that starts the pause
  };
  const Row rows[] = {
      {{WeightStep(10), PauseStep("1m")}, 2, {"StepStarted"}},
      {{PauseStep("1m"), WeightStep(10)}, 1, {"Paused"}},
      {{WeightStep(10), PauseStep()}, 2, {"StepStarted"}},
  };
  for (const auto& row : rows) {
    World w = NewWorld(row.steps);
    std::vector<std::string> events;
    for (int i = 0; i < row.passes; ++i) events = EventReasons(w.Run());
    EXPECT_EQ(w.release.status.phase, api::kReleasePaused) << row.passes;
    std::erase(events, "RolloutStarted");
    EXPECT_EQ(events, row.pause_events)
        << row.steps.size() << " steps, pause at " << row.passes - 1;
  }
}

TEST(Decide, PromoteFullSkipsEveryRemainingStep) {
  World w = NewWorld({WeightStep(10), PauseStep(), AnalysisStep(), WeightStep(50)});
  w.Run();
  w.Annotate(api::kRequestPromoteFull, "now");
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.phase, api::kReleasePromoting) << Describe(d);
  EXPECT_EQ(ActionsOf<PromoteTarget>(d).size(), 1u);
  EXPECT_EQ(d.status.currentStepIndex, 4);
  EXPECT_EQ(d.status.lastHandledRequests.promoteFull, "now");
}

TEST(Decide, UserPauseHoldsAndResumeContinues) {
  World w = NewWorld({WeightStep(10), WeightStep(20)});
  w.Annotate(api::kRequestPause, "p1");
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.phase, api::kReleasePaused) << Describe(d);
  ASSERT_EQ(d.status.pauseConditions.size(), 1u);
  EXPECT_EQ(d.status.pauseConditions[0].reason, api::kPauseUser);
  const Decision& held = w.Run();  // the canary is available, but the rollout holds
  EXPECT_EQ(held.status.currentStepIndex, 0) << Describe(held);
  EXPECT_EQ(ConditionStatus(held.status, kConditionPaused), "True");
  ExpectIdempotent(w);
  w.Annotate(api::kRequestResume, "r1");
  const Decision& resumed = w.Run();
  EXPECT_TRUE(Has(EventReasons(resumed), "Resumed"));
  EXPECT_EQ(resumed.status.currentStepIndex, 1) << Describe(resumed);
  EXPECT_EQ(resumed.status.phase, api::kReleaseProgressing);
  EXPECT_EQ(ConditionStatus(resumed.status, kConditionPaused), "False");
}

TEST(Decide, SpecPausedHoldsWithoutBeingChanged) {
  World w = NewWorld({WeightStep(10), WeightStep(20)});
  w.release.spec.paused = true;
  w.Run();
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.phase, api::kReleasePaused) << Describe(d);
  EXPECT_EQ(d.status.currentStepIndex, 0);
  EXPECT_NE(d.status.message.find("spec.paused"), std::string::npos);
  w.Annotate(api::kRequestResume, "r1");  // resume does not override git
  EXPECT_EQ(w.Run().status.currentStepIndex, 0);
  w.release.spec.paused = false;
  w.release.metadata.generation++;
  EXPECT_EQ(w.Run().status.currentStepIndex, 1);
}

TEST(Decide, SupersedingVersionStartsOver) {
  World w = NewWorld({WeightStep(10), PauseStep(), WeightStep(50)});
  w.Run();
  w.Run();
  const std::string old_hash = w.release.status.canary->templateHash;
  SetVersion(w.release, "v3");
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.phase, api::kReleaseProgressing) << Describe(d);
  EXPECT_EQ(d.status.canary->version, "v3");
  EXPECT_NE(d.status.canary->templateHash, old_hash);
  EXPECT_EQ(d.status.currentStepIndex, 0);
  EXPECT_TRUE(d.status.pauseConditions.empty());
  ASSERT_EQ(d.status.history.size(), 1u);
  EXPECT_EQ(d.status.history[0].result, api::kResultSuperseded);
  EXPECT_EQ(d.status.history[0].version, "v2");
  EXPECT_TRUE(Has(EventReasons(d), "Superseded"));
  ASSERT_EQ(ActionsOf<EnsureCanary>(d).size(), 1u);
  EXPECT_EQ(ActionsOf<EnsureCanary>(d)[0]
                .deployment["spec"]["template"]["spec"]["containers"][0]["image"],
            "reg/churn:v3");
  EXPECT_TRUE(ActionsOf<PromoteTarget>(d).empty());
  ExpectIdempotent(w);
}

TEST(Decide, RevertToStableCancelsWithoutTouchingStable) {
  World w = NewWorld({WeightStep(10), PauseStep()});
  w.Run();
  w.Run();
  const Json target_before = w.target;
  api::Release& r = w.release;
  r.spec.version = "v1";
  r.spec.template_.containers[0].image = "reg/churn:v1";
  r.spec.template_.containers[0].env = {{"MODEL_URI", "s3://models/churn/v1"}};
  r.metadata.generation++;
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.phase, api::kReleaseHealthy) << Describe(d);
  EXPECT_EQ(ActionsOf<DeleteCanary>(d).size(), 1u);
  EXPECT_TRUE(ActionsOf<PromoteTarget>(d).empty());
  EXPECT_TRUE(ActionsOf<RestoreTarget>(d).empty());
  EXPECT_EQ(d.status.history[0].result, api::kResultCancelled);
  EXPECT_TRUE(Has(EventReasons(d), "Cancelled"));
  EXPECT_EQ(w.target, target_before);
  ExpectIdempotent(w);
}

TEST(Decide, CanaryFollowsTheStableReplicasAsHpaChangesThem) {
  World w = NewWorld({WeightStep(50), PauseStep()});
  w.Run();
  w.Run();
  EXPECT_EQ(w.canary["spec"]["replicas"], 10);
  w.ScaleTarget(20);
  const Decision& d = w.Run();
  ASSERT_EQ(ActionsOf<EnsureCanary>(d).size(), 1u) << Describe(d);
  EXPECT_EQ(ActionsOf<EnsureCanary>(d)[0].replicas, 20);
  EXPECT_EQ(d.status.stable.replicas, 20);
  EXPECT_EQ(w.target["spec"]["replicas"], 20);  // never written by Ferry
}

TEST(Decide, TrafficRoutingSetsWeightsOnceTheCanaryIsReady) {
  World w = NewWorld({WeightStep(20), PauseStep()});
  w.release.spec.strategy.canary->trafficRouting = api::TrafficRouting{};
  w.release.spec.strategy.canary->trafficRouting->stableService = "churn";
  api::ApplyDefaults(w.release.spec);
  w.release.spec.strategy.canary->trafficRouting->gatewayAPI = api::GatewayApiRouting{"churn"};
  w.traffic_weight = 0;
  const Decision& start = w.Run();
  EXPECT_EQ(ActionsOf<EnsureCanary>(start)[0].replicas, 2) << Describe(start);  // ceil(20% of 10)
  EXPECT_TRUE(ActionsOf<SetTrafficWeight>(start).empty());
  const Decision& ready = w.Run();
  ASSERT_EQ(ActionsOf<SetTrafficWeight>(ready).size(), 1u) << Describe(ready);
  EXPECT_EQ(ActionsOf<SetTrafficWeight>(ready)[0].weight, 20);
  EXPECT_EQ(ready.status.canaryWeight, 20);
  EXPECT_TRUE(w.Run().actions.size() <= 1u);  // only the pause's requeue
  w.Annotate(api::kRequestAbort, "a");
  const Decision& aborted = w.Run();
  ASSERT_EQ(ActionsOf<SetTrafficWeight>(aborted).size(), 1u);
  EXPECT_EQ(ActionsOf<SetTrafficWeight>(aborted)[0].weight, 0);
  // Traffic goes back to stable before the canary goes away.
  EXPECT_EQ(ActionName(aborted.actions[0]), "SetTrafficWeight");
}

TEST(Decide, HeaderRouteMirrorAndCanaryScaleSteps) {
  api::CanaryStep scale;
  scale.setCanaryScale = api::CanaryScaleStep{50, std::nullopt, false};
  api::CanaryStep route;
  route.setHeaderRoute = api::HeaderRouteStep{"beta", {{"X-Beta", "yes", api::kHeaderMatchExact}}};
  api::CanaryStep mirror;
  mirror.setMirror = api::MirrorStep{25};
  World w = NewWorld({scale, route, mirror, PauseStep()});
  w.release.spec.strategy.canary->trafficRouting = api::TrafficRouting{};
  w.release.spec.strategy.canary->trafficRouting->stableService = "churn";
  w.release.spec.strategy.canary->trafficRouting->gatewayAPI = api::GatewayApiRouting{"churn"};
  api::ApplyDefaults(w.release.spec);
  w.traffic_weight = 0;
  const Decision& start = w.Run();
  ASSERT_EQ(ActionsOf<EnsureCanary>(start).size(), 1u) << Describe(start);
  EXPECT_EQ(ActionsOf<EnsureCanary>(start)[0].replicas, 5);  // half the stable size at weight 0
  const Decision& d = w.Run();
  ASSERT_EQ(ActionsOf<SetHeaderRoute>(d).size(), 1u) << Describe(d);
  EXPECT_EQ(ActionsOf<SetHeaderRoute>(d)[0].route.name, "beta");
  ASSERT_EQ(ActionsOf<SetMirror>(d).size(), 1u);
  EXPECT_EQ(ActionsOf<SetMirror>(d)[0].percentage, 25);
  ASSERT_TRUE(d.status.traffic);
  EXPECT_EQ(d.status.traffic->headerRoutes, std::vector<std::string>{"beta"});
  EXPECT_EQ(d.status.traffic->mirrorPercentage, 25);
  EXPECT_EQ(d.status.currentStepIndex, 3);
  ExpectIdempotent(w);
  w.Annotate(api::kRequestAbort, "a");
  const Decision& aborted = w.Run();  // every route returns to stable
  ASSERT_EQ(ActionsOf<SetHeaderRoute>(aborted).size(), 1u) << Describe(aborted);
  EXPECT_TRUE(ActionsOf<SetHeaderRoute>(aborted)[0].route.match.empty());
  ASSERT_EQ(ActionsOf<SetMirror>(aborted).size(), 1u);
  EXPECT_EQ(ActionsOf<SetMirror>(aborted)[0].percentage, 0);
}

TEST(Decide, RequestsOutsideARolloutAreRecordedAndIgnored) {
  World w = NewWorld({WeightStep(10)});
  w.target = TargetJson("reg/churn:v2", 3);
  w.target["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = "s3://models/churn/v2";
  w.Run();
  w.Annotate(api::kRequestPromote, "late");
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.lastHandledRequests.promote, "late");
  EXPECT_TRUE(Has(EventReasons(d), "RequestIgnored"));
  EXPECT_EQ(d.status.phase, api::kReleaseHealthy);
  ExpectIdempotent(w);
}

TEST(Decide, StatusRoundTripContinuesExactlyWhereItWas) {
  World w = NewWorld({WeightStep(10), PauseStep("10m"), WeightStep(50)});
  w.Run();
  w.Run();
  w.now += seconds(125);
  // A restarted operator reads the Release back from the API server.
  auto decoded = api::DecodeRelease(api::EncodeRelease(w.release));
  ASSERT_TRUE(decoded.ok());
  Snapshot s = w.Snap();
  s.release = *decoded;
  const Decision a = Decide(s);
  const Decision b = Decide(w.Snap());
  EXPECT_EQ(api::EncodeReleaseStatus(a.status), api::EncodeReleaseStatus(b.status));
  EXPECT_EQ(a.status.currentStepIndex, 1);
  ASSERT_EQ(ActionsOf<RequeueAfter>(a).size(), 1u);
  EXPECT_EQ(ActionsOf<RequeueAfter>(a)[0].after, seconds(600 - 125));
  EXPECT_FALSE(a.statusChanged);
}

}  // namespace
}  // namespace ferry::release

// Blue-green through Decide: preview at full size, Service selectors at every transition,
// pre/post-promotion analysis, automatic and manual promotion, the instant switch back, the
// target's own rollout, and giving the Services their selectors back. Every decision is checked
// for idempotence (the same snapshot decided again is steady).
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/controllers/release/fixture.h"

namespace ferry::release::testing {
namespace {

using std::chrono::seconds;

struct BgOptions {
  bool autoPromotion = true;
  int32_t autoSeconds = 60;
  bool pre = false;
  bool post = false;
  int32_t scaleDownDelay = 30;
};

World BlueGreenWorld(BgOptions o = {}) {
  World w;
  w.release = MakeRelease({});
  w.release.spec.strategy.canary.reset();
  api::BlueGreenStrategy bg;
  bg.activeService = "churn";
  bg.previewService = "churn-preview";
  bg.autoPromotionEnabled = o.autoPromotion;
  bg.autoPromotionSeconds = o.autoSeconds;
  if (o.pre) bg.prePromotionAnalysis = api::AnalysisRef{{"error-rate"}};
  if (o.post) bg.postPromotionAnalysis = api::AnalysisRef{{"error-rate"}};
  bg.scaleDownDelaySeconds = o.scaleDownDelay;
  w.release.spec.strategy.blueGreen = bg;
  w.target = TargetJson("reg/churn:v1", 10, "v1");
  return w;
}

std::vector<SetServiceSelector> Only(const char* service, PodSelection s) {
  return {SetServiceSelector{service, s}};
}

bool HasReason(const Decision& d, const std::string& r) {
  const auto v = EventReasons(d);
  return std::find(v.begin(), v.end(), r) != v.end();
}

// Runs the preview up to ready (pass 1 creates it, pass 2 sees it available).
void UpToReady(World& w) {
  const Decision& start = w.Run();
  ASSERT_EQ(start.status.phase, api::kReleaseProgressing) << Describe(start);
  ExpectIdempotent(w);
  w.Run();
  ExpectIdempotent(w);
}

TEST(BlueGreen, AutomaticPromotionWalkthrough) {
  World w = BlueGreenWorld();
  const Decision& start = w.Run();
  EXPECT_EQ(start.status.phase, api::kReleaseProgressing) << Describe(start);
  ASSERT_EQ(ActionsOf<EnsureCanary>(start).size(), 1u);
  EXPECT_EQ(ActionsOf<EnsureCanary>(start)[0].replicas, 10) << "the preview runs at full size";
  EXPECT_EQ(Selectors(start), (std::vector<SetServiceSelector>{
                                  {"churn", PodSelection::kStable},
                                  {"churn-preview", PodSelection::kCanary}}));
  EXPECT_EQ(start.status.blueGreen->activeHash, start.status.stable.templateHash);
  EXPECT_EQ(start.status.blueGreen->previewHash, start.status.canary->templateHash);
  EXPECT_EQ(start.status.stepCount, 0);
  ExpectIdempotent(w);

  const Decision& ready = w.Run();
  EXPECT_TRUE(HasReason(ready, "PreviewReady")) << Describe(ready);
  EXPECT_EQ(ready.status.blueGreen->previewReadyTime, w.now);
  EXPECT_EQ(ready.status.phase, api::kReleaseProgressing);
  ASSERT_EQ(ActionsOf<RequeueAfter>(ready).size(), 1u);
  EXPECT_EQ(ActionsOf<RequeueAfter>(ready)[0].after, seconds(60));
  EXPECT_TRUE(Selectors(ready).empty());
  ExpectIdempotent(w);

  w.now += seconds(59);
  EXPECT_TRUE(Selectors(w.Run()).empty()) << "not before autoPromotionSeconds";
  w.now += seconds(1);
  const Decision& switched = w.Run();
  EXPECT_EQ(Selectors(switched),
            Only("churn", PodSelection::kCanary))
      << Describe(switched);
  EXPECT_TRUE(HasReason(switched, "Switched"));
  EXPECT_EQ(switched.status.phase, api::kReleasePromoting);
  EXPECT_EQ(switched.status.blueGreen->scaleDownTime, w.now + seconds(30));
  EXPECT_TRUE(ActionsOf<PromoteTarget>(switched).empty()) << "the target keeps the old version";
  EXPECT_EQ(ActionsOf<RequeueAfter>(switched)[0].after, seconds(30));
  ExpectIdempotent(w);

  w.now += seconds(30);
  const Decision& promoting = w.Run();
  ASSERT_EQ(ActionsOf<PromoteTarget>(promoting).size(), 1u) << Describe(promoting);
  EXPECT_FALSE(promoting.status.rollbackTemplate.is_null());
  EXPECT_EQ(promoting.status.phase, api::kReleasePromoting);
  EXPECT_EQ(w.selectors["churn"], PodSelection::kCanary) << "users stay on the preview";
  ExpectIdempotent(w);

  const Decision& done = w.Run();  // the target rolled out (the world settles it at once)
  EXPECT_EQ(done.status.phase, api::kReleaseHealthy) << Describe(done);
  EXPECT_EQ(Selectors(done), (std::vector<SetServiceSelector>{
                                 {"churn", PodSelection::kAll},
                                 {"churn-preview", PodSelection::kAll}}));
  ASSERT_EQ(ActionsOf<DeleteCanary>(done).size(), 1u);
  EXPECT_EQ(done.status.history[0].result, api::kResultPromoted);
  EXPECT_EQ(done.status.stable.version, "v2");
  EXPECT_FALSE(done.status.blueGreen);
  EXPECT_EQ(w.target["spec"]["template"]["spec"]["containers"][0]["image"], "reg/churn:v2");
  ExpectIdempotent(w);
  const Decision& quiet = w.Run();
  EXPECT_TRUE(quiet.actions.empty()) << Describe(quiet);
  EXPECT_FALSE(quiet.statusChanged);
}

TEST(BlueGreen, ManualPromotionPausesUntilPromote) {
  World w = BlueGreenWorld({.autoPromotion = false});
  UpToReady(w);
  const api::ReleaseStatus& st = w.release.status;
  EXPECT_EQ(st.phase, api::kReleasePaused);
  ASSERT_EQ(st.pauseConditions.size(), 1u);
  EXPECT_EQ(st.pauseConditions[0].reason, api::kPauseBlueGreen);
  EXPECT_EQ(ConditionStatus(st, kConditionPaused), "True");
  w.now += seconds(3600);
  EXPECT_TRUE(Selectors(w.Run()).empty()) << "no timer without autoPromotionEnabled";

  w.Annotate(api::kRequestPromote, "n1");
  const Decision& switched = w.Run();
  EXPECT_EQ(Selectors(switched),
            Only("churn", PodSelection::kCanary))
      << Describe(switched);
  EXPECT_TRUE(switched.status.pauseConditions.empty());
  EXPECT_EQ(switched.status.phase, api::kReleasePromoting);
  ExpectIdempotent(w);
}

TEST(BlueGreen, PromoteSkipsTheAutoPromotionDelay) {
  World w = BlueGreenWorld({.autoSeconds = 600});
  UpToReady(w);
  w.Annotate(api::kRequestPromote, "n1");
  EXPECT_EQ(Selectors(w.Run()), Only("churn", PodSelection::kCanary));
}

TEST(BlueGreen, PrePromotionAnalysisGatesTheSwitch) {
  struct Case {
    const char* phase;
    bool switched;
    const char* result_phase;
  } cases[] = {{api::kAnalysisSuccessful, true, api::kReleasePromoting},
               {api::kAnalysisFailed, false, api::kReleaseRolledBack},
               {api::kAnalysisInconclusive, false, api::kReleasePaused}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.phase);
    World w = BlueGreenWorld({.autoSeconds = 0, .pre = true});
    UpToReady(w);
    ASSERT_EQ(w.release.status.analysisRuns.size(), 1u);
    EXPECT_EQ(w.release.status.analysisRuns[0].name, "pre-promotion");
    const Decision& running = w.Run();
    ASSERT_EQ(ActionsOf<RunAnalysis>(running).size(), 1u) << Describe(running);
    EXPECT_TRUE(Selectors(running).empty());
    w.SetRun("pre-promotion", c.phase);
    const Decision& d = w.Run();
    EXPECT_EQ(d.status.phase, c.result_phase) << Describe(d);
    EXPECT_EQ(w.selectors["churn"], c.switched ? PodSelection::kCanary : PodSelection::kStable);
    if (std::string(c.phase) == api::kAnalysisFailed) {
      EXPECT_EQ(ActionsOf<DeleteCanary>(d).size(), 1u);
      EXPECT_TRUE(Selectors(d).empty()) << "never switched: nothing to switch back";
    }
    ExpectIdempotent(w);
  }
}

// Runs to the moment right after the switch.
void UpToSwitch(World& w) {
  UpToReady(w);
  w.Annotate(api::kRequestPromote, "switch");
  const Decision& d = w.Run();
  ASSERT_EQ(w.selectors["churn"], PodSelection::kCanary) << Describe(d);
  ExpectIdempotent(w);
}

TEST(BlueGreen, FailuresAfterTheSwitchSwitchBackAtOnce) {
  struct Case {
    const char* what;
    std::function<void(World&)> cause;
    const char* reason;
  } cases[] = {
      {"post-promotion analysis failed",
       [](World& w) {
         w.Run();
         w.SetRun("post-promotion", api::kAnalysisFailed);
       },
       kReasonAnalysisFailed},
      {"abort", [](World& w) { w.Annotate(api::kRequestAbort, "a1"); }, kReasonAbortRequested},
      {"preview deleted", [](World& w) { w.canary = nullptr; }, kReasonCanaryDeleted},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    World w = BlueGreenWorld({.post = true});
    UpToSwitch(w);
    c.cause(w);
    const Decision& back = w.Run();
    EXPECT_EQ(back.status.phase, api::kReleaseRolledBack) << Describe(back);
    EXPECT_EQ(back.status.abort->reason, c.reason);
    ASSERT_FALSE(Selectors(back).empty());
    EXPECT_EQ(Selectors(back)[0], (SetServiceSelector{"churn", PodSelection::kStable}))
        << "the switch back comes first";
    EXPECT_TRUE(HasReason(back, "SwitchedBack"));
    EXPECT_TRUE(ActionsOf<RestoreTarget>(back).empty()) << "the target was never changed";
    for (const auto& d : w.decisions) EXPECT_TRUE(ActionsOf<PromoteTarget>(d).empty());
    ExpectIdempotent(w);

    // Once the preview is gone the Services get their own selectors back.
    const Decision& idle = w.Run();
    EXPECT_EQ(w.selectors["churn"], PodSelection::kAll) << Describe(idle);
    EXPECT_EQ(w.selectors["churn-preview"], PodSelection::kAll);
    EXPECT_FALSE(idle.status.blueGreen);
    ExpectIdempotent(w);
  }
}

// The pass that switched the active Service could not write its status (a conflict with the
// user's annotation, a crash): the next pass reads the old status and a Service on the preview.
TEST(BlueGreen, ASwitchWhoseStatusWasLostIsSwitchedBackOrRecorded) {
  struct Case {
    const char* what;
    bool abort;
  } cases[] = {{"abort in the same breath", true}, {"nothing else", false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    World w = BlueGreenWorld({.autoPromotion = false});
    UpToReady(w);
    const api::ReleaseStatus before = w.release.status;
    w.Annotate(api::kRequestPromote, "n1");
    w.Run();
    ASSERT_EQ(w.selectors["churn"], PodSelection::kCanary);
    w.release.status = before;  // the switch's status write failed
    if (c.abort) w.Annotate(api::kRequestAbort, "a1");

    const Decision& d = w.Run();
    if (c.abort) {
      EXPECT_EQ(d.status.phase, api::kReleaseRolledBack) << Describe(d);
      ASSERT_FALSE(Selectors(d).empty()) << Describe(d);
      EXPECT_EQ(Selectors(d)[0], (SetServiceSelector{"churn", PodSelection::kStable}));
      EXPECT_TRUE(HasReason(d, "SwitchedBack"));
      EXPECT_EQ(w.selectors["churn"], PodSelection::kStable) << "users back on the target";
    } else {
      EXPECT_EQ(d.status.phase, api::kReleasePromoting) << Describe(d);
      EXPECT_EQ(d.status.blueGreen->activeHash, d.status.canary->templateHash);
      for (const auto& sel : Selectors(d)) {
        EXPECT_NE(sel.select, PodSelection::kStable) << "users never flip back and forth";
      }
      EXPECT_TRUE(HasReason(d, "Switched"));
      EXPECT_TRUE(ActionsOf<PromoteTarget>(d).empty()) << "the scale-down delay still holds";
      EXPECT_FALSE(HasReason(d, "RequestIgnored")) << "the promote request did this switch";
    }
    ExpectIdempotent(w);
  }
}

// Ferry re-applies a selector it set when the Service says otherwise (a GitOps sync reapplying
// the manifest); a Service that agrees is left alone.
TEST(BlueGreen, ASelectorChangedBehindFerrysBackIsReapplied) {
  World w = BlueGreenWorld({.autoPromotion = false});
  UpToReady(w);
  EXPECT_TRUE(Selectors(w.Run()).empty()) << "the Services agree with status";
  w.selectors["churn-preview"] = PodSelection::kAll;
  EXPECT_EQ(Selectors(w.Run()), Only("churn-preview", PodSelection::kCanary));
}

TEST(BlueGreen, PostPromotionAnalysisAndScaleDownDelayBothHoldTheTarget) {
  World w = BlueGreenWorld({.post = true, .scaleDownDelay = 30});
  UpToSwitch(w);
  EXPECT_EQ(w.release.status.analysisRuns.back().name, "post-promotion");
  w.now += seconds(60);
  EXPECT_TRUE(ActionsOf<PromoteTarget>(w.Run()).empty()) << "analysis still running";
  w.SetRun("post-promotion", api::kAnalysisSuccessful);
  const Decision& d = w.Run();
  EXPECT_EQ(ActionsOf<PromoteTarget>(d).size(), 1u) << Describe(d);
}

TEST(BlueGreen, TargetFailingItsRolloutIsRestoredWithTheActiveServiceOnAllPods) {
  World w = BlueGreenWorld({.scaleDownDelay = 0});
  w.target_healthy = false;
  UpToSwitch(w);  // no delay: the target gets the new template in the switch's pass
  ASSERT_EQ(ActionsOf<PromoteTarget>(w.decisions.back()).size(), 1u);
  EXPECT_EQ(w.Run().status.phase, api::kReleasePromoting);
  w.now += seconds(601);
  const Decision& back = w.Run();
  EXPECT_EQ(back.status.phase, api::kReleaseRolledBack) << Describe(back);
  EXPECT_EQ(ActionsOf<RestoreTarget>(back).size(), 1u);
  EXPECT_EQ(Selectors(back), Only("churn", PodSelection::kAll));
  ExpectIdempotent(w);
}

TEST(BlueGreen, PreviewNeverReadyRollsBackWithoutTouchingUsers) {
  World w = BlueGreenWorld();
  w.canary_healthy = false;
  w.Run();
  w.now += seconds(601);
  const Decision& d = w.Run();
  EXPECT_EQ(d.status.phase, api::kReleaseRolledBack) << Describe(d);
  EXPECT_EQ(d.status.abort->reason, kReasonDeadline);
  EXPECT_EQ(w.selectors["churn"], PodSelection::kStable);
  ExpectIdempotent(w);
}

TEST(BlueGreen, NewVersionAfterTheSwitchSwitchesBackAndPreviewsIt) {
  World w = BlueGreenWorld();
  UpToSwitch(w);
  SetVersion(w.release, "v3");
  const Decision& d = w.Run();
  EXPECT_EQ(Selectors(d)[0], (SetServiceSelector{"churn", PodSelection::kStable})) << Describe(d);
  EXPECT_EQ(d.status.history[0].result, api::kResultSuperseded);
  EXPECT_EQ(d.status.canary->version, "v3");
  EXPECT_EQ(d.status.phase, api::kReleaseProgressing);
  ASSERT_EQ(ActionsOf<EnsureCanary>(d).size(), 1u);
  EXPECT_FALSE(d.status.blueGreen->previewReadyTime);
  ExpectIdempotent(w);
}

TEST(BlueGreen, WithoutPreviewServiceOnlyTheActiveServiceIsSteered) {
  World w = BlueGreenWorld();
  w.release.spec.strategy.blueGreen->previewService.clear();
  const Decision& d = w.Run();
  EXPECT_EQ(Selectors(d), Only("churn", PodSelection::kStable));
}

}  // namespace
}  // namespace ferry::release::testing

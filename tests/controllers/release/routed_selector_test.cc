// A routed canary's stable Service: narrowed to the target's pods while a rollout runs (the
// canary's pods carry the target's labels), its own selector again from promotion and whenever
// the rollout ends. Emitted on transitions only.
#include <gtest/gtest.h>

#include "tests/controllers/release/fixture.h"

namespace ferry::release::testing {
namespace {

World RoutedWorld() {
  World w;
  w.release = MakeRelease({WeightStep(20), PauseStep()});
  auto& routing = w.release.spec.strategy.canary->trafficRouting.emplace();
  routing.stableService = "churn";
  routing.gatewayAPI = api::GatewayApiRouting{"churn"};
  api::ApplyDefaults(w.release.spec);
  w.target = TargetJson("reg/churn:v1", 10, "v1");
  w.traffic_weight = 0;
  return w;
}

TEST(RoutedStableService, NarrowedForTheRolloutWidenedAtPromotion) {
  World w = RoutedWorld();
  const Decision& start = w.Run();
  ASSERT_EQ(Selectors(start).size(), 1u) << Describe(start);
  EXPECT_EQ(Selectors(start)[0], (SetServiceSelector{"churn", PodSelection::kStable}));
  ExpectIdempotent(w);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(Selectors(w.Run()).empty());
  w.Annotate(api::kRequestPromote, "p");
  const Decision& promoting = w.Run();
  EXPECT_EQ(promoting.status.phase, api::kReleasePromoting) << Describe(promoting);
  ASSERT_EQ(Selectors(promoting).size(), 1u);
  EXPECT_EQ(Selectors(promoting)[0], (SetServiceSelector{"churn", PodSelection::kAll}));
  // Widened before the target starts replacing its pods.
  EXPECT_LT(std::find(promoting.actions.begin(), promoting.actions.end(),
                      Action(Selectors(promoting)[0])) - promoting.actions.begin(),
            std::find_if(promoting.actions.begin(), promoting.actions.end(),
                         [](const Action& a) { return std::holds_alternative<PromoteTarget>(a); }) -
                promoting.actions.begin());
  ExpectIdempotent(w);
  const Decision& done = w.Run();
  EXPECT_EQ(done.status.phase, api::kReleaseHealthy) << Describe(done);
  EXPECT_EQ(w.selectors["churn"], PodSelection::kAll);
}

TEST(RoutedStableService, WidenedWhenTheRolloutIsAbortedOrSuperseded) {
  World w = RoutedWorld();
  w.Run();
  w.Run();
  SetVersion(w.release, "v3");
  const Decision& superseded = w.Run();
  EXPECT_EQ(superseded.status.history[0].result, api::kResultSuperseded) << Describe(superseded);
  EXPECT_EQ(w.selectors["churn"], PodSelection::kStable) << "still narrowed for v3";
  w.Annotate(api::kRequestAbort, "a");
  const Decision& aborted = w.Run();
  EXPECT_EQ(aborted.status.phase, api::kReleaseRolledBack) << Describe(aborted);
  EXPECT_EQ(w.selectors["churn"], PodSelection::kAll);
  ExpectIdempotent(w);
}

TEST(RoutedStableService, ReplicaRatioModeNeverTouchesServices) {
  World w;
  w.release = MakeRelease({WeightStep(20), PauseStep()});
  w.target = TargetJson("reg/churn:v1", 10, "v1");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Selectors(w.Run()).empty());
}

}  // namespace
}  // namespace ferry::release::testing

#include "operator/controllers/pipeline/dora.h"

#include <gtest/gtest.h>

#include "tests/controllers/pipeline/stage_builders.h"

namespace ferry::pipeline {
namespace {

using testing::T;

api::ReleaseHistoryEntry E(std::string version, std::string result, int done) {
  api::ReleaseHistoryEntry e;
  e.version = std::move(version);
  e.result = std::move(result);
  e.completionTime = T(done);
  return e;
}

using Kind = DoraObservation::Kind;

TEST(Dora, PromotionCountsWithLeadTimeFromTheHandedOffChange) {
  api::Release before;
  before.spec.version = "v2";
  before.status.history = {E("v1", api::kResultPromoted, 0)};
  api::Release after = before;
  after.metadata.annotations[kHandoffChangeTimeAnnotation] = api::FormatTime(T(100));
  after.status.history.insert(after.status.history.begin(), E("v2", api::kResultPromoted, 400));
  auto got = ObserveRelease(&before, after, T(0));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (DoraObservation{Kind::kDeployment, 300.0, std::nullopt}));
}

TEST(Dora, RollbackIsAFailureAndTheNextPromotionRestores) {
  api::Release r;
  r.spec.version = "v3";
  r.status.history = {E("v2", api::kResultRolledBack, 100)};
  auto failed = ObserveRelease(nullptr, r, T(0));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].kind, Kind::kFailure);
  api::Release after = r;
  after.status.history.insert(after.status.history.begin(), E("v3", api::kResultPromoted, 700));
  auto restored = ObserveRelease(&r, after, T(0));
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0], (DoraObservation{Kind::kDeployment, std::nullopt, 600.0}));
}

TEST(Dora, NothingBeforeTheObserverStartedNorSupersededEntriesCount) {
  api::Release r;
  r.status.history = {E("v1", api::kResultPromoted, 10), E("v0", api::kResultSuperseded, 5)};
  EXPECT_TRUE(ObserveRelease(nullptr, r, T(60)).empty());
  EXPECT_EQ(ObserveRelease(nullptr, r, T(0)).size(), 1u);
  EXPECT_TRUE(ObserveRelease(&r, r, T(0)).empty());
}

TEST(Dora, LeadTimeOnlyForTheVersionHandedOff) {
  api::Release r;
  r.spec.version = "v9";  // the hand-off's version; v2 was promoted from elsewhere
  r.metadata.annotations[kHandoffChangeTimeAnnotation] = api::FormatTime(T(0));
  r.status.history = {E("v2", api::kResultPromoted, 50)};
  auto got = ObserveRelease(nullptr, r, T(0));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].leadTimeSeconds);
}

}  // namespace
}  // namespace ferry::pipeline

#include "operator/controllers/release/replicas.h"

#include <gtest/gtest.h>

namespace ferry::release {
namespace {

struct RatioCase {
  int32_t weight, stable, want;
};

TEST(ReplicaRatioCanaryReplicas, ClosestShareOnTopOfStable) {
  const RatioCase cases[] = {
      {0, 10, 0},   {1, 10, 1},   {10, 10, 1},  {20, 10, 3},   {25, 10, 3},   {30, 10, 4},
      {50, 10, 10}, {75, 10, 30}, {90, 10, 90}, {99, 10, 990}, {100, 10, 10}, {30, 3, 1},
      {50, 3, 3},   {60, 3, 5},   {1, 1, 1},    {50, 1, 1},    {99, 1, 99},   {100, 1, 1},
      {5, 0, 1},    {100, 0, 1},  {0, 0, 0},    {33, 2, 1},    {40, 5, 3},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ReplicaRatioCanaryReplicas(c.weight, c.stable), c.want)
        << "weight " << c.weight << " stable " << c.stable;
  }
}

TEST(ReplicaRatioCanaryReplicas, NeverZeroForWeightsOneToNinetyNine) {
  for (int32_t stable : {0, 1, 2, 7, 50, 1000}) {
    for (int32_t w = 1; w <= 99; ++w) {
      EXPECT_GE(ReplicaRatioCanaryReplicas(w, stable), 1) << w << " " << stable;
    }
  }
}

TEST(ReplicaRatioCanaryReplicas, ShareIsTheClosestAchievable) {
  for (int32_t stable : {1, 3, 10, 17}) {
    for (int32_t w = 1; w <= 99; ++w) {
      const int32_t got = ReplicaRatioCanaryReplicas(w, stable);
      const double err = std::abs(double(got) / (stable + got) - w / 100.0);
      for (int32_t other = 1; other <= 200 * stable; ++other) {
        const double e = std::abs(double(other) / (stable + other) - w / 100.0);
        ASSERT_LE(err, e + 1e-12) << "weight " << w << " stable " << stable << ": " << got
                                  << " is worse than " << other;
      }
    }
  }
}

TEST(ReplicaRatioCanaryReplicas, OutOfRangeInputsAreClamped) {
  EXPECT_EQ(ReplicaRatioCanaryReplicas(-5, 10), 0);
  EXPECT_EQ(ReplicaRatioCanaryReplicas(150, 10), 10);
  EXPECT_EQ(ReplicaRatioCanaryReplicas(50, -3), 1);
}

TEST(RoutedCanaryReplicas, CeilOfWeightTimesReplicas) {
  const RatioCase cases[] = {
      {0, 10, 0}, {1, 10, 1}, {10, 10, 1}, {15, 10, 2}, {50, 10, 5},   {100, 10, 10},
      {34, 3, 2}, {33, 3, 1}, {20, 0, 1},  {0, 0, 0},   {1, 1000, 10}, {99, 7, 7},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RoutedCanaryReplicas(c.weight, c.stable), c.want)
        << "weight " << c.weight << " stable " << c.stable;
  }
}

api::CanaryStep Weight(int32_t w) {
  api::CanaryStep s;
  s.setWeight = w;
  return s;
}
api::CanaryStep Scale(std::optional<int32_t> weight, std::optional<int32_t> replicas, bool match) {
  api::CanaryStep s;
  s.setCanaryScale = api::CanaryScaleStep{weight, replicas, match};
  return s;
}
api::CanaryStep Pause() {
  api::CanaryStep s;
  s.pause = api::PauseStep{};
  return s;
}

TEST(DesiredCanaryReplicas, FollowsStepsAndStableReplicas) {
  const std::vector<api::CanaryStep> steps = {
      Scale(50, std::nullopt, false),           // 0
      Pause(),                                  // 1
      Weight(20),                               // 2
      Scale(std::nullopt, std::nullopt, true),  // 3
      Weight(40),                               // 4
      Scale(std::nullopt, 7, false),            // 5
      Weight(60),                               // 6
  };
  struct Case {
    int32_t index, stable;
    bool routed;
    int32_t want;
  } cases[] = {
      {0, 10, true, 5}, {1, 10, true, 5},  {2, 10, true, 5},  {3, 10, true, 2},
      {4, 10, true, 4}, {4, 20, true, 8},  {5, 10, true, 7},  {6, 10, true, 7},
      {7, 10, true, 7}, {3, 10, false, 3}, {4, 10, false, 7}, {4, 4, false, 3},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(DesiredCanaryReplicas(SizingAt(steps, c.index), c.stable, c.routed), c.want)
        << "index " << c.index << " stable " << c.stable << " routed " << c.routed;
  }
}

TEST(SizingAt, NoStepsMeansWeightZero) {
  const CanarySizing s = SizingAt({}, 0);
  EXPECT_EQ(s.weight, 0);
  EXPECT_FALSE(s.fixedReplicas);
  EXPECT_EQ(DesiredCanaryReplicas(s, 10, false), 0);
}

}  // namespace
}  // namespace ferry::release

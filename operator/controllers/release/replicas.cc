#include "operator/controllers/release/replicas.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>

namespace ferry::release {

namespace {

constexpr int64_t kFullWeight = 100;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// |c / (stable + c) - weight / 100| scaled by 100 * (stable + c) to stay in integers.
int64_t ShareError(int64_t c, int64_t stable, int64_t weight) {
  return std::llabs(c * kFullWeight - weight * (stable + c));
}

}  // namespace

int32_t ReplicaRatioCanaryReplicas(int32_t weight, int32_t stable) {
  const int64_t w = std::clamp<int64_t>(weight, 0, kFullWeight);
  const int64_t s = std::max<int64_t>(stable, 0);
  if (w == 0) return 0;
  if (w == kFullWeight) return static_cast<int32_t>(std::max<int64_t>(s, 1));
  // Exact solution of c / (s + c) = w / 100 is c = w*s / (100 - w); try its floor and ceiling.
  const int64_t lo = (w * s) / (kFullWeight - w);
  const int64_t hi = lo + 1;
  // Compare errors on a common denominator: err(c) / (100 * (s + c)).
  const int64_t err_lo = ShareError(lo, s, w) * (s + hi);
  const int64_t err_hi = ShareError(hi, s, w) * (s + lo);
  const int64_t best = (s + lo == 0 || err_lo <= err_hi) ? lo : hi;
  return static_cast<int32_t>(std::max<int64_t>(best, 1));
}

int32_t RoutedCanaryReplicas(int32_t weight, int32_t stable) {
  const int64_t w = std::clamp<int64_t>(weight, 0, kFullWeight);
  const int64_t s = std::max<int64_t>(stable, 0);
  if (w == 0) return 0;
  return static_cast<int32_t>(std::max<int64_t>(CeilDiv(w * s, kFullWeight), 1));
}

CanarySizing SizingAt(const std::vector<api::CanaryStep>& steps, int32_t index) {
  CanarySizing out;
  const size_t end = std::min(steps.size(), static_cast<size_t>(std::max(index, 0)) + 1);
  for (size_t i = 0; i < end; ++i) {
    const auto& step = steps[i];
    if (step.setWeight) out.weight = *step.setWeight;
    if (step.setCanaryScale) {
      const auto& sc = *step.setCanaryScale;
      out.fixedReplicas = sc.replicas;
      out.scaleWeight = sc.weight;
      if (sc.matchTrafficWeight) out.fixedReplicas.reset(), out.scaleWeight.reset();
    }
  }
  return out;
}

int32_t DesiredCanaryReplicas(const CanarySizing& sizing, int32_t stable, bool traffic_routing) {
  if (sizing.fixedReplicas) return std::max(*sizing.fixedReplicas, 0);
  if (sizing.scaleWeight) {
    const int64_t w = std::clamp<int64_t>(*sizing.scaleWeight, 0, kFullWeight);
    return static_cast<int32_t>(CeilDiv(w * std::max<int64_t>(stable, 0), kFullWeight));
  }
  return traffic_routing ? RoutedCanaryReplicas(sizing.weight, stable)
                         : ReplicaRatioCanaryReplicas(sizing.weight, stable);
}

}  // namespace ferry::release

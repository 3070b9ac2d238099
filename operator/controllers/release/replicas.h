// Replica arithmetic of a canary rollout: pure functions, table-tested in
// tests/controllers/release/replicas_test.cc. Nothing here reads the cluster or a clock.
//
// Two modes, as in Argo Rollouts:
//   - replica ratio (no spec.strategy.canary.trafficRouting): the Service selects stable and
//     canary pods alike, so the canary's share of traffic is its share of pods. The canary is
//     added ON TOP of the stable replicas: the target's spec.replicas is never changed, so an HPA
//     or a GitOps repository keeps owning it.
//   - traffic routing: a gateway sends `weight`% of requests to the canary Service, so the canary
//     only needs enough pods for its share: ceil(weight x stable / 100).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "operator/api/release_types.h"

namespace ferry::release {

// Replica-ratio mode. Returns the canary count c, added to `stable` replicas, whose share
// c / (stable + c) is closest to weight / 100; ties go to the smaller count.
//   weight 0            -> 0
//   weight 1..99        -> at least 1 (a weight is a promise that some traffic is tested)
//   weight 100          -> stable (half the pods; the target is not scaled down), at least 1
// Worked examples (stable = 10): weight 10 -> 1 (1/11 = 9.1%), 20 -> 3 (3/13 = 23.1% beats
// 2/12 = 16.7%), 25 -> 3 (23.1%), 50 -> 10, 75 -> 30 (75%), 90 -> 90, 100 -> 10.
// Stable = 3: weight 30 -> 1 (25%), 50 -> 3. Stable = 0 (scaled to zero): weight 1..100 -> 1.
// High weights cost many pods in this mode (90% of traffic needs 9x the stable pods); prefer
// traffic routing, or a last step below 100 followed by promotion.
int32_t ReplicaRatioCanaryReplicas(int32_t weight, int32_t stable);

// Traffic-routing mode: ceil(weight x stable / 100), at least 1 when weight > 0 (a route with
// weight on a Service without endpoints fails requests).
// Worked examples (stable = 10): weight 1 -> 1, 10 -> 1, 15 -> 2, 50 -> 5, 100 -> 10.
// Stable = 3: weight 34 -> 2 (1.02 rounds up). Stable = 0: weight 20 -> 1.
int32_t RoutedCanaryReplicas(int32_t weight, int32_t stable);

// What sizes the canary at a step index: the last setWeight and the last setCanaryScale at or
// before it (the step being executed included, its target is what is being reached).
struct CanarySizing {
  int32_t weight = 0;                    // traffic weight in effect
  std::optional<int32_t> fixedReplicas;  // setCanaryScale.replicas
  std::optional<int32_t> scaleWeight;    // setCanaryScale.weight (percent of stable replicas)
};
// `index` may equal steps.size() (all done): every step counts.
CanarySizing SizingAt(const std::vector<api::CanaryStep>& steps, int32_t index);

// Canary replicas for `sizing` with `stable` target replicas (the target's spec.replicas now, so
// the canary follows an HPA or a user changing it mid-rollout):
//   fixedReplicas set -> that count (setCanaryScale.replicas, traffic routing only);
//   scaleWeight set   -> ceil(scaleWeight x stable / 100) (setCanaryScale.weight);
//   otherwise         -> RoutedCanaryReplicas or ReplicaRatioCanaryReplicas of the weight.
// Example: steps [setCanaryScale{weight: 50}, setHeaderRoute, setWeight 20] with stable 10 and
// routing: index 0..1 -> 5 (scaled for header traffic at weight 0), index 2 -> 5 (scale still
// overrides), after a setCanaryScale{matchTrafficWeight} -> 2.
int32_t DesiredCanaryReplicas(const CanarySizing& sizing, int32_t stable, bool traffic_routing);

}  // namespace ferry::release

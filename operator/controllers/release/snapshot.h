// Gathering a decision Snapshot (decide.h) from the informer caches: which cached objects belong
// to a Release, and the index functions that find them without scanning.
//
//   kTargetIndex     on the Releases informer: "namespace/<spec.targetRef.name>", so an event on
//                    a Deployment finds the Releases that target it.
//   kCanaryPodIndex  on the Pods informer: "namespace/<ferry.dev/release label>" of canary pods
//                    (ferry.dev/role=canary), so an event on a canary pod finds its Release and
//                    a pass lists the canary's pods by lookup.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "operator/api/release_types.h"
#include "operator/controllers/release/decide.h"
#include "operator/runtime/cache/indexer.h"

namespace ferry::release {

inline constexpr char kTargetIndex[] = "release.ferry.dev/target";
inline constexpr char kCanaryPodIndex[] = "release.ferry.dev/canary-pods";

// Index functions (pure). A Release without a targetRef name / a pod without the canary labels
// produce no value.
std::vector<std::string> TargetIndexFunc(const cache::Object& release);
std::vector<std::string> CanaryPodIndexFunc(const cache::Object& pod);

// The Release keys ("namespace/name") a canary pod maps to (none for other pods).
std::vector<std::string> ReleaseKeysOfCanaryPod(const cache::Object& pod);

// The pods (from the kCanaryPodIndex lookup) that run the canary `canary_deployment` currently
// defines: same ferry.dev/version label as its pod template. Pods of a superseded version
// terminating beside it are not counted. No canary: no pods.
std::vector<Json> CurrentCanaryPods(const std::vector<cache::ObjectPtr>& pods,
                                    const ObservedDeployment& canary);

// The Snapshot of one pass; `target` and `canary` may be null (absent).
Snapshot MakeSnapshot(api::Release release, const cache::ObjectPtr& target,
                      const cache::ObjectPtr& canary, const std::vector<cache::ObjectPtr>& pods,
                      std::optional<int32_t> traffic_weight, bool analysis_available,
                      api::Time now);

}  // namespace ferry::release

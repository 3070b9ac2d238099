// What the Release controller observed of the cluster, reduced to what its decisions need.
// The reconciler builds these from its informer caches (ObserveDeployment, SummarizePods) and
// hands them to Decide (decide.h) in a Snapshot; tests build them directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "operator/controllers/release/pod_template.h"

namespace ferry::release {

// Restarts of one canary container at or above which the canary counts as crash-looping even
// before the kubelet reports CrashLoopBackOff.
inline constexpr int32_t kCrashLoopRestartThreshold = 3;

struct DeploymentCondition {
  std::string type;    // "Progressing", "Available", "ReplicaFailure"
  std::string status;  // "True", "False", "Unknown"
  std::string reason;  // e.g. "ProgressDeadlineExceeded", "NewReplicaSetAvailable"
  std::string message;
  bool operator==(const DeploymentCondition&) const = default;
};

struct ObservedDeployment {
  bool exists = false;
  std::string name;
  std::string uid;
  std::string controllerUid;  // uid of ownerReferences[controller=true], "" when none
  bool deleting = false;      // metadata.deletionTimestamp set
  int64_t generation = 0;
  int64_t observedGeneration = 0;
  int32_t specReplicas = 1;  // spec.replicas; Kubernetes defaults it to 1
  int32_t replicas = 0;      // status.*
  int32_t updatedReplicas = 0;
  int32_t readyReplicas = 0;
  int32_t availableReplicas = 0;
  Json spec;                 // the whole spec (selector, strategy, ... for the canary)
  Json podTemplate;          // spec.template
  std::string templateHash;  // TemplateHash(podTemplate)
  std::string ferryHash;     // the kAnnotationTemplateHash annotation (canary), "" when none
  std::vector<DeploymentCondition> conditions;
  bool operator==(const ObservedDeployment&) const = default;
};

// Reads an apps/v1 Deployment object; null or a non-object gives exists = false.
ObservedDeployment ObserveDeployment(const Json& deployment);

// `kubectl rollout status` semantics: the controller saw the latest spec, every replica runs the
// latest template (updated == spec, no old replicas left) and is available.
bool RolloutComplete(const ObservedDeployment& d);
// Rollout progress as `kubectl rollout status` reports it: "3 updated, 2 available of 4", or,
// until the Deployment controller has seen the latest spec (status.observedGeneration behind
// metadata.generation: the counts still describe the previous template), "waiting for the
// Deployment controller to observe generation 7".
std::string RolloutProgress(const ObservedDeployment& d);
// The Deployment controller reported Progressing=False/ProgressDeadlineExceeded for the latest
// spec (spec.progressDeadlineSeconds passed without progress).
bool ProgressDeadlineExceeded(const ObservedDeployment& d);

// Health signals from the canary's pods that Deployment status does not carry.
struct PodHealth {
  int32_t crashLooping = 0;  // pods with a container in CrashLoopBackOff or restarted too often
  std::string message;       // the first such pod and container, for status and the Event
  bool operator==(const PodHealth&) const = default;
};

// Summarises pods (the canary's: selected by ferry.dev/release, ferry.dev/role=canary and the
// canary's ferry.dev/version). Pods being deleted are ignored. A pod counts as crash-looping when
// a container (init containers included) waits with reason CrashLoopBackOff or restarted at
// least `restart_threshold` times.
PodHealth SummarizePods(const std::vector<Json>& pods,
                        int32_t restart_threshold = kCrashLoopRestartThreshold);

}  // namespace ferry::release

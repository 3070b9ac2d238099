// Objects Ferry writes for a canary rollout, built as plain JSON from the observed target
// Deployment and the Release. Pure: the reconciler sends them with server-side apply.
//
//   BuildCanaryDeployment  the complete canary Deployment ("<release>-canary"), applied with
//                          field manager kCanaryFieldManager (Ferry owns the whole object).
//   BuildPromotionApply    the minimal apply body that moves the target to the new version,
//                          applied with kPromotionFieldManager and force: it names only the
//                          fields the Release changes, so Ferry never owns the target's
//                          replicas, selector, resources or anything else a repository writes.
//   BuildRestoreApply      the same fields with the values of the template kept in
//                          status.rollbackTemplate: the fast rollback of a failed promotion.
#pragma once

#include <cstdint>
#include <string>

#include "operator/api/release_types.h"
#include "operator/base/result.h"
#include "operator/controllers/release/pod_template.h"

namespace ferry::release {

inline constexpr char kCanaryFieldManager[] = "ferry";
inline constexpr char kPromotionFieldManager[] = "ferry-release";
inline constexpr char kCanaryNameSuffix[] = "-canary";
// ReplicaSets of old canary templates kept (superseded versions roll in place).
inline constexpr int32_t kCanaryRevisionHistoryLimit = 2;

// "<release>-canary" (a Release name is at most api::kMaxReleaseNameLength characters, so the
// result is a valid DNS label).
std::string CanaryName(const std::string& release_name);

// The canary Deployment:
//   metadata  name CanaryName, the Release's namespace; labels ferry.dev/release,
//             ferry.dev/version, ferry.dev/role=canary and app.kubernetes.io/managed-by=ferry
//             (never the target's labels: a GitOps tool's tracking label would make it claim and
//             prune the canary); annotation ferry.dev/template-hash = TemplateHash of the version
//             template; ownerReference to the Release with controller and blockOwnerDeletion,
//             so deleting the Release garbage-collects the canary.
//   spec      replicas; selector = the target's selector plus ferry.dev/role=canary (in replica
//             mode the target's Service still selects canary pods: they share its labels);
//             template = `version_template` (VersionTemplate) plus ferry.dev/role=canary;
//             progressDeadlineSeconds = the Release's; minReadySeconds and strategy copied from
//             the target; revisionHistoryLimit kCanaryRevisionHistoryLimit.
// Nothing server-managed (status, uid, resourceVersion, managedFields, generation,
// creationTimestamp) is copied. Errors: a target without a selector, or a Release label that
// contradicts the target's selector (the canary's pods would not match it).
// `target_spec` is the target Deployment's spec.
Result<Json> BuildCanaryDeployment(const Json& target_spec, const api::Release& release,
                                   const Json& version_template, int32_t replicas);

// Apply body for promotion:
//   {apiVersion: apps/v1, kind: Deployment, metadata: {name, namespace},
//    spec: {template: {metadata: {labels: {<release labels>, ferry.dev/release,
//    ferry.dev/version}, annotations: {<release annotations>}},
//    spec: {containers: [{name, image?, env?: [{name, value}]}]}}}}
// containers and env are list-maps keyed by name, so each entry merges into the target's.
Json BuildPromotionApply(const api::Release& release);

// Apply body restoring `previous_template` (status.rollbackTemplate) in exactly the fields
// BuildPromotionApply names: each is set to its previous value, and a field that did not exist
// before is left out, so server-side apply removes it (Ferry was its only owner).
Json BuildRestoreApply(const api::Release& release, const Json& previous_template);

}  // namespace ferry::release

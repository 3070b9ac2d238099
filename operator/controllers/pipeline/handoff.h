// The hand-off of a succeeded run to its Release: a server-side apply document that sets only
// spec.version and, for one container of spec.template.containers, its image and the hand-off's
// env variables. Applied with field manager "ferry-handoff" (docs/API.md, "Who owns which
// field"), so the GitOps repository keeps every other field of the Release, and a field it
// also sets is reported by its own tool as drift instead of being silently fought over.
//
// The request (the reconciler sends it):
//   PATCH /apis/ferry.dev/v1alpha1/namespaces/<ns>/releases/<name>
//         ?fieldManager=ferry-handoff&force=true
//   Content-Type: application/apply-patch+yaml      (JSON is YAML)
// force=true, as controller-runtime recommends for controllers: a hand-off is the Pipeline
// owner's explicit instruction, and a conflict would otherwise stall every run.
// spec.template.containers and their env are list-maps keyed by name in the CRD, so the apply
// touches one container entry and one env entry per variable, nothing else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/pipeline_types.h"
#include "operator/api/release_types.h"
#include "operator/base/result.h"

namespace ferry::pipeline {

inline constexpr char kHandoffFieldManager[] = "ferry-handoff";
inline constexpr char kApplyPatchContentType[] = "application/apply-patch+yaml";

// The container a hand-off targets: handoff.container when set; else the Release's only
// container entry in spec.template.containers; else the first container of the target's pod
// template (`target_containers`, from the Deployment, may be empty when not read). An error
// says which field to set.
Result<std::string> HandoffContainer(const api::Handoff& handoff, const api::Release& release,
                                     const std::vector<std::string>& target_containers);

// The apply body for `handoff` (variables already substituted, SubstituteHandoff) and the
// resolved container name. Refuses a version that is not a label value (the Release would reject
// it) and an empty image, naming the field and the value.
Result<nlohmann::json> BuildHandoffApply(const api::Handoff& handoff, std::string_view namespace_,
                                         std::string_view container);

// "/apis/ferry.dev/v1alpha1/namespaces/<ns>/releases/<name>?fieldManager=ferry-handoff&force=true"
std::string HandoffApplyPath(std::string_view namespace_, std::string_view release);

// True when `release` already has this version and, in the container, this image and env: the
// hand-off is done (a reconcile after a crash records it without applying again).
bool HandoffApplied(const api::Release& release, const api::Handoff& handoff,
                    std::string_view container);

}  // namespace ferry::pipeline

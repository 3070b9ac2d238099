// Pod templates of a Release: the Release's changes applied to the target's template, the
// version labels, the deterministic template hash, and whether a template already runs a
// version. Pure functions over nlohmann::json (a Deployment's spec.template).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "operator/api/release_types.h"
#include "operator/base/result.h"

namespace ferry::release {

using Json = api::Json;

// Labels Ferry sets on pod templates (keys under ferry.dev/ are reserved by validation).
inline constexpr char kLabelRelease[] = "ferry.dev/release";  // the Release's name
inline constexpr char kLabelVersion[] = "ferry.dev/version";  // spec.version of those pods
// Present only on canary pods and in the canary's selector: tells the canary's pods from the
// target's while the target's own selector (and its Service) still selects both.
inline constexpr char kLabelRole[] = "ferry.dev/role";
inline constexpr char kRoleCanary[] = "canary";
// Annotation on the canary Deployment: TemplateHash of its version template, so that a restarted
// controller recognises the canary it made (and a different one as out of date).
inline constexpr char kAnnotationTemplateHash[] = "ferry.dev/template-hash";
inline constexpr char kLabelManagedBy[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByFerry[] = "ferry";

// FNV-1a (32 bit) of `data`.
uint32_t Fnv1a32(std::string_view data);
// Kubernetes' rendering of a hash (k8s.io/apimachinery rand.SafeEncodeString of the decimal
// number): each digit becomes a consonant or digit that cannot spell words, e.g. 123 -> "dfg"
// ("bcdfghjklmnpqrstvwxz2456789"[byte % 27]).
std::string SafeEncodeHash(uint32_t hash);
// Hash of a pod template: FNV-1a of its canonical JSON (keys sorted, no whitespace), without
// metadata.creationTimestamp, rendered by SafeEncodeHash. Deterministic across restarts and
// processes: the same template always gives the same hash.
std::string TemplateHash(const Json& pod_template);

// The target's pod template with the Release's changes applied: images by container name, env
// merged by name (existing variables updated in place, new ones appended), pod labels and
// annotations added or overridden, and the labels ferry.dev/release and ferry.dev/version.
// metadata.creationTimestamp (always null in templates) is dropped. Errors name the field: a
// patched container missing from the template ("spec.template.containers[1].name: ...").
Result<Json> VersionTemplate(const Json& target_template, const api::Release& release);

// True when `pod_template` already carries every change of the Release: each patched image and
// env value, each pod label and annotation, and, when the template has a ferry.dev/version label,
// that it equals spec.version. Server defaulting and unrelated fields do not matter, so this is
// how Ferry decides that the target runs the Release's version (adoption, promotion done,
// revert to stable).
bool TemplateRunsVersion(const Json& pod_template, const api::ReleaseSpec& spec);

// The ferry.dev/version label of a pod template, or "" when absent.
std::string TemplateVersion(const Json& pod_template);

}  // namespace ferry::release

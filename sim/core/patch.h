// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and the strategic merge patch
// of built-in types (lists merged by their patchMergeKey, $patch directives).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "sim/core/status.h"

namespace kubesim {

using json = nlohmann::json;

inline constexpr const char* kMergePatch = "application/merge-patch+json";
inline constexpr const char* kJsonPatch = "application/json-patch+json";
inline constexpr const char* kStrategicPatch = "application/strategic-merge-patch+json";
inline constexpr const char* kApplyPatch = "application/apply-patch+yaml";

/// Applies a merge or JSON patch or strategic merge patch (by content type) to `target`.
/// Throws ApiError (400 for a malformed patch, 422 for a failing JSON patch).
json apply_patch(const std::string& content_type, const json& target, const std::string& body);

/// Strategic merge of `patch` into `target`.
json strategic_merge(const json& target, const json& patch);

}  // namespace kubesim

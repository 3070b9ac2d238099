// Defaulting and validation of built-in kinds, as the real API server's registry strategies do
// (only the parts clients observe: defaults in responses, the 422s the transcripts show).
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "sim/core/resources.h"
#include "sim/core/status.h"

namespace kubesim {

using json = nlohmann::json;

/// Applies the defaults of a built-in kind to a new or updated object (idempotent).
void default_builtin(const ResourceInfo& r, json& obj);
/// Validation causes for a built-in object (empty when valid).
std::vector<Cause> validate_builtin(const ResourceInfo& r, const json& obj);
/// Pod-spec defaults (containers' imagePullPolicy, terminationMessagePath, ...).
void default_pod_spec(json& spec);
/// Decoding errors the real server reports with 400 (e.g. MicroTime without fraction); throws.
void check_builtin_decoding(const ResourceInfo& r, const json& obj);
/// Status set on create (pods start Pending, namespaces Active); others drop status.
json initial_status(const ResourceInfo& r, const json& obj);

/// events.k8s.io/v1 <-> core/v1 Event conversion (they share storage as core/v1).
json event_to_core(const json& ev);
json event_from_core(const json& ev);

}  // namespace kubesim

// Structural-schema handling for custom resources: defaulting, pruning, and validation with the
// causes and messages kube-apiserver v1.19 produces.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "sim/core/status.h"

namespace kubesim {

/// Fills `default`s of the schema into `object` where fields are absent (recursively).
void apply_defaults(const json& schema, json& object);

/// Removes fields the schema does not declare (unless additionalProperties or
/// x-kubernetes-preserve-unknown-fields allow them). apiVersion, kind and metadata at the root
/// are kept.
void prune(const json& schema, json& object);

/// Validates `object` against `schema`; returns the causes (empty when valid). `path` is the
/// field path of `object` ("" at the root).
std::vector<Cause> validate_schema(const json& schema, const json& object,
                                   const std::string& path = "");

/// JSON type name as the validator names it: string, integer, number, boolean, object, array,
/// null.
std::string json_type_name(const json& value);

}  // namespace kubesim

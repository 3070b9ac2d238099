// Field sets in the FieldsV1 format of managedFields, and the bookkeeping of field ownership for
// Update and Apply operations (server-side apply).
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace kubesim {

using json = nlohmann::json;

/// A field path as FieldsV1 tokens: "f:spec", "k:{\"name\":\"web\"}", "v:\"x\"", or ".".
using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

/// Fields an object sets (metadata: labels, annotations, finalizers, ownerReferences only).
FieldSet fields_of(const json& object);
json to_fields_v1(const FieldSet& set);
FieldSet from_fields_v1(const json& fields_v1);
/// The value at `path` in `object`, or null when absent ("." means the parent node itself).
const json* value_at(const json& object, const FieldPath& path);
/// Removes the field at `path` from `object` (no-op when absent).
void remove_path(json& object, const FieldPath& path);
/// Fields set in `after` whose value differs from `before`, plus fields only in `before`.
FieldSet changed_fields(const json& before, const json& after);
/// ".spec.channel" form of a path, as apply conflicts name it.
std::string path_string(const FieldPath& path);

struct ApplyConflict {
  std::string manager;
  FieldPath path;
};

/// Records an Update by `manager`: it takes ownership of every changed field; other managers
/// lose those fields; entries left empty are dropped. `object` is the new object whose
/// metadata.managedFields is rewritten; `before` is the stored object (null on create).
void record_update(const json* before, json& object, const std::string& manager,
                   const std::string& api_version, const std::string& time);

/// Server-side apply of `applied` (a partial object) onto `current` (null: create) by `manager`.
/// On conflicts (without `force`) returns them and leaves `result` untouched. Otherwise fills
/// `result` with the merged object and its managedFields.
std::vector<ApplyConflict> server_side_apply(const json* current, const json& applied,
                                             const std::string& manager, bool force,
                                             const std::string& api_version,
                                             const std::string& time, json* result);

}  // namespace kubesim

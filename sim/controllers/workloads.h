// Helpers shared by the workload controllers (ReplicaSet, Deployment, Job).
#pragma once

#include <string>
#include <vector>

#include "sim/core/objects.h"

namespace kubesim::controllers {

/// Objects in `storage` whose controller ownerReference is `owner_uid`.
std::vector<ObjectPtr> owned(ObjectService& objects, const std::string& owner_uid, const std::string& storage);
/// The uid and kind of the controller owner, if any.
bool controller_of(const json& obj, std::string* kind, std::string* name);
json owner_ref(const std::string& api_version, const std::string& kind, const json& owner);
bool pod_ready(const json& pod);
/// Not terminating and not Succeeded/Failed.
bool pod_active(const json& pod);
/// Creates a pod from a template for `owner` (generateName `prefix`).
void create_pod(ObjectService& objects, const std::string& ns, const std::string& prefix, const json& tmpl,
                const json& owner_reference, const json& extra_labels);
/// Resolves an IntOrString ("25%" or 2) against `total`, rounding up or down.
int resolve_int_or_percent(const json& v, int total, bool round_up);
int int_of(const json& obj, const char* a, const char* b, int fallback);

}  // namespace kubesim::controllers

// Event -> request mapping (controller-runtime's handler package): which keys an informer event
// puts on a controller's queue. Pure functions over the object, table-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/runtime/controller/reconciler.h"

namespace ferry::controller {

// The object's own key (EnqueueRequestForObject). Empty when it has no name.
std::vector<Request> RequestsForObject(const nlohmann::json& obj);

// The key of the object's controlling owner (EnqueueRequestForOwner with OnlyControllerOwner):
// the ownerReference with controller=true whose kind is `owner_kind` and whose apiVersion's group
// is `owner_group` ("" for the core group; the version is ignored, as owners may be written at
// any served version). Owners live in the object's namespace. Empty when there is none.
std::vector<Request> RequestsForOwner(const nlohmann::json& obj, std::string_view owner_group,
                                      std::string_view owner_kind);

// "apps/v1" -> "apps", "v1" -> "".
std::string_view GroupOf(std::string_view api_version);

// Label that assigns an object to one operator instance (--instance-id sharding), and the
// selector an instance's informers use: "" (every object) when `instance_id` is empty.
inline constexpr const char* kInstanceLabel = "ferry.dev/instance";
std::string ShardLabelSelector(std::string_view instance_id);

}  // namespace ferry::controller

// Transforms applied to every object before it is cached (client-go's SetTransform). Memory per
// cached object is a first-class figure: the informer holds every object of its resource, and
// the fields below are typically half of an object's bytes while no controller reads them.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

namespace ferry::cache {

using TransformFunc = std::function<void(nlohmann::json& object)>;

inline constexpr const char* kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";

// Removes metadata.managedFields, metadata.selfLink and the kubectl last-applied-configuration
// annotation (and metadata.annotations when that leaves it empty).
void StripForCache(nlohmann::json& object);

}  // namespace ferry::cache

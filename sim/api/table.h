// meta.k8s.io/v1 Table and PartialObjectMetadata renderings, as `kubectl get` requests them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "sim/core/resources.h"

namespace kubesim::api {

using json = nlohmann::json;

/// A Table of `items` (presented objects). `include_object` is the includeObject parameter
/// ("Object", "None", or default "Metadata").
json build_table(const ResourceInfo& r, const json& items, const std::string& self_link,
                 const std::string& resource_version, const std::string& include_object);
json partial_metadata(const json& obj);
/// "5s", "3m", "2d" — kubectl's short human duration.
std::string human_duration(long long seconds);

}  // namespace kubesim::api

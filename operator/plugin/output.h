// -o json / -o yaml printing of raw objects, as kubectl prints them (JSON indented by 4; YAML
// block style, keys in the object's order, strings quoted only when YAML would misread them).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ferry::plugin {

std::string ToJson(const nlohmann::json& j);
std::string ToYaml(const nlohmann::json& j);
// A v1 List of `items`, as `kubectl get -o json` prints several objects.
nlohmann::json ListOf(nlohmann::json items);

}  // namespace ferry::plugin

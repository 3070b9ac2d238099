#include "operator/runtime/controller/handlers.h"

namespace ferry::controller {
namespace {

const nlohmann::json* Metadata(const nlohmann::json& obj) {
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

}  // namespace

std::vector<Request> RequestsForObject(const nlohmann::json& obj) {
  const auto* meta = Metadata(obj);
  if (meta == nullptr) return {};
  std::string name = meta->value("name", "");
  if (name.empty()) return {};
  return {Request{meta->value("namespace", ""), name}};
}

std::string_view GroupOf(std::string_view api_version) {
  auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

std::vector<Request> RequestsForOwner(const nlohmann::json& obj, std::string_view owner_group,
                                      std::string_view owner_kind) {
  const auto* meta = Metadata(obj);
  if (meta == nullptr) return {};
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return {};
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false)) continue;
    if (ref.value("kind", "") != owner_kind) continue;
    if (GroupOf(ref.value("apiVersion", "")) != owner_group) continue;
    std::string name = ref.value("name", "");
    if (name.empty()) continue;
    return {Request{meta->value("namespace", ""), name}};  // at most one controller reference
  }
  return {};
}

std::string ShardLabelSelector(std::string_view instance_id) {
  if (instance_id.empty()) return "";
  return std::string(kInstanceLabel) + "=" + std::string(instance_id);
}

}  // namespace ferry::controller

#include "operator/controllers/pipeline/handoff.h"

#include <algorithm>

#include "operator/api/validation.h"

namespace ferry::pipeline {

Result<std::string> HandoffContainer(const api::Handoff& handoff, const api::Release& release,
                                     const std::vector<std::string>& target_containers) {
  if (!handoff.container.empty()) return handoff.container;
  const auto& patches = release.spec.template_.containers;
  if (patches.size() == 1) return patches.front().name;
  if (patches.empty() && !target_containers.empty()) return target_containers.front();
  std::string why = patches.empty() ? "the Release lists no container in spec.template.containers "
                                      "and its target's containers are unknown"
                                    : "the Release lists " + std::to_string(patches.size()) +
                                          " containers in spec.template.containers";
  return Error{"spec.handoff.container: " + why + "; name the container to update"};
}

Result<nlohmann::json> BuildHandoffApply(const api::Handoff& handoff, std::string_view namespace_,
                                         std::string_view container) {
  if (handoff.image.empty()) {
    return Error{"spec.handoff.image: is empty after substitution; give the image to deploy"};
  }
  if (handoff.version.empty() || !api::IsLabelValue(handoff.version)) {
    return Error{"spec.handoff.version: " + api::Quote(handoff.version) +
                 " is not a valid Release version (a label value: at most 63 of [A-Za-z0-9-_.], "
                 "starting and ending alphanumeric)"};
  }
  if (!api::IsDnsLabel(container)) {
    return Error{"spec.handoff.container: " + api::Quote(container) + " is not a container name"};
  }
  nlohmann::json c{{"name", container}, {"image", handoff.image}};
  if (!handoff.env.empty()) {
    nlohmann::json env = nlohmann::json::array();
    for (const auto& e : handoff.env) env.push_back({{"name", e.name}, {"value", e.value}});
    c["env"] = std::move(env);
  }
  return nlohmann::json{
      {"apiVersion", api::kApiVersion},
      {"kind", api::kReleaseKind},
      {"metadata", {{"name", handoff.releaseRef.name}, {"namespace", namespace_}}},
      {"spec",
       {{"version", handoff.version},
        {"template", {{"containers", nlohmann::json::array({std::move(c)})}}}}}};
}

std::string HandoffApplyPath(std::string_view namespace_, std::string_view release) {
  return std::string("/apis/") + api::kApiVersion + "/namespaces/" + std::string(namespace_) +
         "/releases/" + std::string(release) + "?fieldManager=" + kHandoffFieldManager +
         "&force=true";
}

bool HandoffApplied(const api::Release& release, const api::Handoff& handoff,
                    std::string_view container) {
  if (release.spec.version != handoff.version) return false;
  const auto& cs = release.spec.template_.containers;
  auto c = std::find_if(cs.begin(), cs.end(), [&](const auto& p) { return p.name == container; });
  if (c == cs.end() || c->image != handoff.image) return false;
  for (const auto& want : handoff.env) {
    auto e = std::find_if(c->env.begin(), c->env.end(),
                          [&](const auto& have) { return have.name == want.name; });
    if (e == c->env.end() || e->value != want.value) return false;
  }
  return true;
}

}  // namespace ferry::pipeline

#include "operator/controllers/release/snapshot.h"

#include "operator/controllers/release/canary_builder.h"

namespace ferry::release {
namespace {

std::string Label(const cache::Object& obj, const char* key) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return "";
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return "";
  auto it = labels->find(key);
  return it != labels->end() && it->is_string() ? it->get<std::string>() : "";
}

std::string StringAt(const cache::Object& obj, const char* pointer) {
  Json::json_pointer p(pointer);
  return obj.contains(p) && obj.at(p).is_string() ? obj.at(p).get<std::string>() : "";
}

std::string Namespace(const cache::Object& obj) { return StringAt(obj, "/metadata/namespace"); }

}  // namespace

std::vector<std::string> TargetIndexFunc(const cache::Object& release) {
  std::string name = StringAt(release, "/spec/targetRef/name");
  if (name.empty()) return {};
  return {Namespace(release) + "/" + name};
}

std::vector<std::string> CanaryPodIndexFunc(const cache::Object& pod) {
  if (Label(pod, kLabelRole) != kRoleCanary) return {};
  std::string release = Label(pod, kLabelRelease);
  if (release.empty()) return {};
  return {Namespace(pod) + "/" + release};
}

std::vector<std::string> ReleaseKeysOfCanaryPod(const cache::Object& pod) {
  return CanaryPodIndexFunc(pod);
}

std::vector<Json> CurrentCanaryPods(const std::vector<cache::ObjectPtr>& pods,
                                    const ObservedDeployment& canary) {
  std::vector<Json> out;
  if (!canary.exists) return out;
  const std::string version = Label(canary.podTemplate, kLabelVersion);
  for (const auto& p : pods) {
    if (p && Label(*p, kLabelVersion) == version) out.push_back(*p);
  }
  return out;
}

Snapshot MakeSnapshot(api::Release release, const cache::ObjectPtr& target,
                      const cache::ObjectPtr& canary, const std::vector<cache::ObjectPtr>& pods,
                      std::optional<int32_t> traffic_weight, bool analysis_available,
                      api::Time now) {
  Snapshot s;
  s.release = std::move(release);
  s.target = ObserveDeployment(target ? *target : Json());
  s.canary = ObserveDeployment(canary ? *canary : Json());
  s.canaryPods = SummarizePods(CurrentCanaryPods(pods, s.canary));
  s.trafficWeight = traffic_weight;
  s.analysisAvailable = analysis_available;
  s.now = now;
  return s;
}

}  // namespace ferry::release

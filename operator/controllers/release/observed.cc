#include "operator/controllers/release/observed.h"

namespace ferry::release {

namespace {

constexpr char kReasonCrashLoop[] = "CrashLoopBackOff";
constexpr char kProgressDeadlineExceeded[] = "ProgressDeadlineExceeded";

int32_t IntAt(const Json& obj, const char* key, int32_t fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int32_t>() : fallback;
}

int64_t Int64At(const Json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string StrAt(const Json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string ControllerUid(const Json& meta) {
  for (const auto& ref : meta.value("ownerReferences", Json::array())) {
    if (ref.is_object() && ref.value("controller", false)) return StrAt(ref, "uid");
  }
  return "";
}

// "pod p: container c CrashLoopBackOff (5 restarts)" for the first offending container.
std::string CrashLoopIn(const Json& statuses, const std::string& pod, int32_t threshold) {
  if (!statuses.is_array()) return "";
  for (const auto& cs : statuses) {
    const int32_t restarts = IntAt(cs, "restartCount", 0);
    const Json waiting = cs.value("state", Json::object()).value("waiting", Json::object());
    if (StrAt(waiting, "reason") == kReasonCrashLoop || restarts >= threshold) {
      return "pod " + pod + ": container " + StrAt(cs, "name") + " " +
             (StrAt(waiting, "reason").empty() ? "restarting" : StrAt(waiting, "reason")) + " (" +
             std::to_string(restarts) + " restarts)";
    }
  }
  return "";
}

}  // namespace

ObservedDeployment ObserveDeployment(const Json& d) {
  ObservedDeployment o;
  if (!d.is_object()) return o;
  const Json meta = d.value("metadata", Json::object());
  const Json spec = d.value("spec", Json::object());
  const Json status = d.value("status", Json::object());
  o.exists = true;
  o.name = StrAt(meta, "name");
  o.uid = StrAt(meta, "uid");
  o.controllerUid = ControllerUid(meta);
  o.deleting = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  o.generation = Int64At(meta, "generation");
  o.observedGeneration = Int64At(status, "observedGeneration");
  o.specReplicas = IntAt(spec, "replicas", 1);
  o.replicas = IntAt(status, "replicas", 0);
  o.updatedReplicas = IntAt(status, "updatedReplicas", 0);
  o.readyReplicas = IntAt(status, "readyReplicas", 0);
  o.availableReplicas = IntAt(status, "availableReplicas", 0);
  o.spec = spec;
  o.podTemplate = spec.value("template", Json::object());
  o.templateHash = TemplateHash(o.podTemplate);
  o.ferryHash = StrAt(meta.value("annotations", Json::object()), kAnnotationTemplateHash);
  for (const auto& c : status.value("conditions", Json::array())) {
    o.conditions.push_back(
        {StrAt(c, "type"), StrAt(c, "status"), StrAt(c, "reason"), StrAt(c, "message")});
  }
  return o;
}

bool RolloutComplete(const ObservedDeployment& d) {
  return d.exists && d.observedGeneration >= d.generation && d.updatedReplicas >= d.specReplicas &&
         d.replicas <= d.updatedReplicas && d.availableReplicas >= d.updatedReplicas;
}

std::string RolloutProgress(const ObservedDeployment& d) {
  if (d.observedGeneration < d.generation) {
    return "waiting for the Deployment controller to observe generation " +
           std::to_string(d.generation);
  }
  return std::to_string(d.updatedReplicas) + " updated, " + std::to_string(d.availableReplicas) +
         " available of " + std::to_string(d.specReplicas);
}

bool ProgressDeadlineExceeded(const ObservedDeployment& d) {
  if (!d.exists || d.observedGeneration < d.generation) return false;
  for (const auto& c : d.conditions) {
    if (c.type == "Progressing" && c.status == "False" && c.reason == kProgressDeadlineExceeded) return true;
  }
  return false;
}

PodHealth SummarizePods(const std::vector<Json>& pods, int32_t restart_threshold) {
  PodHealth h;
  for (const auto& pod : pods) {
    const Json meta = pod.value("metadata", Json::object());
    if (meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null()) continue;
    const Json status = pod.value("status", Json::object());
    const std::string name = StrAt(meta, "name");
    std::string why =
        CrashLoopIn(status.value("initContainerStatuses", Json::array()), name, restart_threshold);
    if (why.empty()) {
      why = CrashLoopIn(status.value("containerStatuses", Json::array()), name, restart_threshold);
    }
    if (why.empty()) continue;
    if (h.crashLooping++ == 0) h.message = why;
  }
  return h;
}

}  // namespace ferry::release

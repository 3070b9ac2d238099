#include "operator/controllers/release/observed.h"

#include "operator/base/json.h"

namespace ferry::release {

namespace {

constexpr char kReasonCrashLoop[] = "CrashLoopBackOff";
constexpr char kProgressDeadlineExceeded[] = "ProgressDeadlineExceeded";

int32_t IntAt(const Json& obj, const char* key, int32_t fallback) {
  return static_cast<int32_t>(IntField(obj, key, fallback));
}

std::string ControllerUid(const Json& meta) {
  for (const auto& ref : meta.value("ownerReferences", Json::array())) {
    if (ref.is_object() && ref.value("controller", false)) return StringField(ref, "uid");
  }
  return "";
}

// "pod p: container c CrashLoopBackOff (5 restarts)" for the first offending container.
std::string CrashLoopIn(const Json& statuses, const std::string& pod, int32_t threshold) {
  if (!statuses.is_array()) return "";
  for (const auto& cs : statuses) {
    const int32_t restarts = IntAt(cs, "restartCount", 0);
    const Json waiting = cs.value("state", Json::object()).value("waiting", Json::object());
    if (StringField(waiting, "reason") == kReasonCrashLoop || restarts >= threshold) {
      return "pod " + pod + ": container " + StringField(cs, "name") + " " +
             (StringField(waiting, "reason").empty() ? "restarting" : StringField(waiting, "reason")) + " (" +
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
  o.name = StringField(meta, "name");
  o.uid = StringField(meta, "uid");
  o.controllerUid = ControllerUid(meta);
  o.deleting = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  o.generation = IntField(meta, "generation");
  o.observedGeneration = IntField(status, "observedGeneration");
  o.specReplicas = IntAt(spec, "replicas", 1);
  o.replicas = IntAt(status, "replicas", 0);
  o.updatedReplicas = IntAt(status, "updatedReplicas", 0);
  o.readyReplicas = IntAt(status, "readyReplicas", 0);
  o.availableReplicas = IntAt(status, "availableReplicas", 0);
  o.spec = spec;
  o.podTemplate = spec.value("template", Json::object());
  o.templateHash = TemplateHash(o.podTemplate);
  o.ferryHash = StringField(meta.value("annotations", Json::object()), kAnnotationTemplateHash);
  for (const auto& c : status.value("conditions", Json::array())) {
    o.conditions.push_back(
        {StringField(c, "type"), StringField(c, "status"), StringField(c, "reason"), StringField(c, "message")});
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
    const std::string name = StringField(meta, "name");
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

#include "operator/runtime/events/kube_event_sink.h"

namespace ferry::events {
namespace {

ferry::Result<nlohmann::json, SinkError> Convert(kube::Result<nlohmann::json> r) {
  if (!r) return SinkError{r.error().code, r.error().ToString()};
  return std::move(r.value());
}

}  // namespace

ferry::Result<nlohmann::json, SinkError> KubeEventSink::Create(const std::string& ns,
                                                               const nlohmann::json& event) {
  nlohmann::json obj = event;
  obj["metadata"]["namespace"] = ns;
  return Convert(client_.Create(kube::kEvents, obj));
}

ferry::Result<nlohmann::json, SinkError> KubeEventSink::Patch(const std::string& ns,
                                                              const std::string& name,
                                                              const nlohmann::json& patch) {
  return Convert(client_.Patch(kube::kEvents, ns, name, kube::PatchType::kMerge, patch));
}

}  // namespace ferry::events

// KubeEventSink: EventSink over kube::Client (core/v1 Events).
#pragma once

#include "operator/kube/client.h"
#include "operator/runtime/events/event_recorder.h"

namespace ferry::events {

class KubeEventSink final : public EventSink {
 public:
  explicit KubeEventSink(kube::Client& client) : client_(client) {}
  ferry::Result<nlohmann::json, SinkError> Create(const std::string& ns,
                                                  const nlohmann::json& event) override;
  ferry::Result<nlohmann::json, SinkError> Patch(const std::string& ns, const std::string& name,
                                                 const nlohmann::json& patch) override;

 private:
  kube::Client& client_;
};

}  // namespace ferry::events

// SetupContext: what the operator's entry point hands each controller's setup function
// (controller-runtime's SetupWithManager). A controller's setup creates its Reconciler and
// Controller, asks the InformerFactory for the informers it reads, registers the Controller with
// the Manager (the entry point registers every informer of the factory after all setups), and
// returns a Component that owns what it created; the entry
// point keeps every Component alive until the Manager has stopped.
#pragma once

#include <memory>

#include "operator/base/clock.h"
#include "operator/kube/client.h"
#include "operator/metrics/registry.h"
#include "operator/runtime/cache/informer_factory.h"
#include "operator/runtime/events/event_recorder.h"
#include "operator/runtime/manager/manager.h"
#include "operator/runtime/manager/options.h"

namespace ferry::manager {

struct SetupContext {
  const Options& options;
  kube::Client& client;
  Clock& clock;
  metrics::Registry& registry;
  Manager& manager;
  cache::InformerFactory& informers;
  events::EventRecorder& events;
};

// Owns a controller's objects (reconciler, controller, helpers). Destroyed after Manager::Run.
class Component {
 public:
  virtual ~Component() = default;
};

}  // namespace ferry::manager

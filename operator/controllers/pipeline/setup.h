// Wiring of the Pipeline controller into ferry-operator (docs/ARCHITECTURE.md, the wiring
// contract of runtime/manager/setup.h):
//   For      pipelines.ferry.dev
//   Owns     jobs.batch (controller ownerReference of kind Pipeline)
//   Watches  pods (their ferry.dev/pipeline label names the Pipeline: a stage's Pod changing,
//            e.g. stuck on ImagePullBackOff, is reported while its Job still runs)
//            releases.ferry.dev (DORA measures from their status.history, dora.h)
//   Jobs and Pods are indexed by kPipelineIndex. The git webhook receiver serves on
//   --webhook-bind-address ("0" disables) on every replica, leader or not: it only records a
//   request (the ferry.dev/run* annotations, a merge patch), which the leader acts on.
#pragma once

#include <memory>

#include "operator/base/result.h"
#include "operator/runtime/manager/setup.h"

namespace ferry::pipeline {

inline constexpr char kControllerName[] = "pipeline";

Result<std::unique_ptr<manager::Component>> SetupPipelineController(manager::SetupContext& ctx);

}  // namespace ferry::pipeline

// SetupReleaseController: wires the Release controller into the operator (docs: the wiring
// contract in runtime/manager/setup.h).
//
//   For      releases.ferry.dev
//   Owns     deployments.apps whose controlling owner is a Release (the canary)
//   Watches  deployments.apps -> the Releases whose spec.targetRef names it (kTargetIndex)
//   Watches  pods -> the Release of a canary pod (kCanaryPodIndex; crash loops, readiness)
// The analysis runner comes from MakeAnalysisRunner (analysis_runner.h), the traffic routers
// from routing::MakeRouter; metrics are registered on the operator's registry (metrics.h).
#pragma once

#include <memory>

#include "operator/base/result.h"
#include "operator/runtime/manager/setup.h"

namespace ferry::release {

inline constexpr char kControllerName[] = "release";

ferry::Result<std::unique_ptr<manager::Component>> SetupReleaseController(
    manager::SetupContext& ctx);

}  // namespace ferry::release

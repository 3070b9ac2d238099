// MakeAnalysisRunner: the production runner (analysis_runner_impl.h) with the Prometheus, judge
// and Job providers over the operator's kube client, Events through the operator's recorder and
// the ferry_analysis_* metrics on its registry.
#include "operator/controllers/release/analysis_runner.h"

#include "operator/controllers/release/analysis_runner_impl.h"
#include "operator/runtime/manager/setup.h"

namespace ferry::release {

std::unique_ptr<AnalysisRunner> MakeAnalysisRunner(manager::SetupContext& ctx) {
  return std::make_unique<AnalysisRunnerImpl>(
      DefaultProviders(ctx.client, ctx.clock), &ctx.events,
      std::make_unique<AnalysisMetrics>(*ctx.registry.prometheus_registry()));
}

}  // namespace ferry::release

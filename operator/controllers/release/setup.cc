#include "operator/controllers/release/setup.h"

#include "operator/controllers/release/analysis_runner.h"
#include "operator/controllers/release/metrics.h"
#include "operator/controllers/release/reconciler.h"
#include "operator/controllers/release/snapshot.h"
#include "operator/runtime/controller/controller.h"

namespace ferry::release {
namespace {

class ReleaseComponent final : public manager::Component {
 public:
  std::unique_ptr<AnalysisRunner> analysis;
  std::unique_ptr<ReleaseMetrics> metrics;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<controller::Controller> controller;
};

std::vector<controller::Request> Requests(const std::vector<cache::ObjectPtr>& objects) {
  std::vector<controller::Request> out;
  for (const auto& o : objects) {
    auto r = controller::RequestsForObject(*o);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

}  // namespace

ferry::Result<std::unique_ptr<manager::Component>> SetupReleaseController(
    manager::SetupContext& ctx) {
  auto& releases = ctx.informers.For(kReleases);
  auto& deployments = ctx.informers.For(kube::kDeployments);
  auto& pods = ctx.informers.For(kube::kPods);
  if (auto st = releases.AddIndexers({{kTargetIndex, TargetIndexFunc}}); !st) {
    return Error{"releases informer: " + st.error().message};
  }
  if (auto st = pods.AddIndexers({{kCanaryPodIndex, CanaryPodIndexFunc}}); !st) {
    return Error{"pods informer: " + st.error().message};
  }

  auto c = std::make_unique<ReleaseComponent>();
  c->analysis = MakeAnalysisRunner(ctx);
  c->metrics = std::make_unique<ReleaseMetrics>(ctx.registry);
  c->reconciler = std::make_unique<Reconciler>(ReconcilerOptions{
      .client = ctx.client,
      .clock = ctx.clock,
      .events = ctx.events,
      .releases = releases.indexer(),
      .deployments = deployments.indexer(),
      .pods = pods.indexer(),
      .analysis = c->analysis.get(),
      .routers = &routing::MakeRouter,
      .metrics = c->metrics.get(),
  });
  releases.AddEventHandler(c->reconciler->release_writes().Handler());
  deployments.AddEventHandler(c->reconciler->deployment_writes().Handler());

  controller::ControllerOptions co;
  co.max_concurrent_reconciles = ctx.options.workers;
  co.metrics = &ctx.registry;
  co.queue_metrics = &ctx.registry;
  c->controller = std::make_unique<controller::Controller>(kControllerName, *c->reconciler,
                                                           ctx.clock, std::move(co));
  auto& ctl = *c->controller;
  ctl.For(releases);
  ctl.Owns(deployments, "ferry.dev", api::kReleaseKind);
  const cache::Indexer& release_index = releases.indexer();
  ctl.Watches(deployments, [&release_index](const nlohmann::json& d) {
    auto key = cache::MetaNamespaceKey(d);
    auto targeting = release_index.ByIndex(kTargetIndex, key);
    return targeting ? Requests(*targeting) : std::vector<controller::Request>{};
  });
  ctl.Watches(pods, [](const nlohmann::json& pod) {
    std::vector<controller::Request> out;
    for (const auto& key : ReleaseKeysOfCanaryPod(pod)) {
      out.push_back(controller::Request::FromKey(key));
    }
    return out;
  });
  ctx.manager.AddController(c->controller.get());
  return std::unique_ptr<manager::Component>(std::move(c));
}

}  // namespace ferry::release

#include "operator/controllers/pipeline/setup.h"

#include "operator/controllers/pipeline/dora.h"
#include "operator/controllers/pipeline/metrics.h"
#include "operator/controllers/pipeline/reconciler.h"
#include "operator/controllers/pipeline/webhook/server.h"
#include "operator/controllers/pipeline/webhook_wiring.h"
#include "operator/runtime/controller/controller.h"
#include "operator/runtime/controller/handlers.h"

namespace ferry::pipeline {

namespace {

constexpr char kWebhookDisabled[] = "0";

class PipelineComponent final : public manager::Component {
 public:
  std::unique_ptr<PipelineMetrics> metrics;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<controller::Controller> controller;
  std::unique_ptr<webhook::Receiver> receiver;
  std::unique_ptr<webhook::Server> server;

  ~PipelineComponent() override {
    server.reset();  // stop serving before the receiver goes
  }
};

Status AddPipelineIndex(cache::SharedInformer& informer) {
  cache::Indexers idx{{kPipelineIndex, [](const cache::Object& o) { return PipelineIndexFunc(o); }}};
  return informer.AddIndexers(idx);
}

// The Pipeline a stage Pod belongs to, from its labels.
std::vector<controller::Request> PipelineOfPod(const nlohmann::json& pod) {
  std::vector<controller::Request> out;
  for (const auto& key : PipelineIndexFunc(pod)) {
    out.push_back(controller::Request::FromKey(key));
  }
  return out;
}

void WatchReleases(cache::SharedInformer& releases, PipelineMetrics& metrics, Clock& clock) {
  const api::Time since = clock.WallNow();
  auto observe = [&metrics, since](const cache::ObjectPtr& before, const cache::ObjectPtr& after) {
    auto now = api::DecodeRelease(*after);
    if (!now.ok()) return;
    std::optional<api::Release> old;
    if (before) {
      auto decoded = api::DecodeRelease(*before);
      if (decoded.ok()) old = std::move(decoded.value());
    }
    const std::string& ns = now.value().metadata.namespace_;
    for (const auto& o : ObserveRelease(old ? &*old : nullptr, now.value(), since)) {
      if (o.kind == DoraObservation::Kind::kFailure) {
        metrics.FailedDeployment(ns);
        continue;
      }
      metrics.Deployment(ns);
      if (o.leadTimeSeconds) metrics.LeadTime(ns, *o.leadTimeSeconds);
      if (o.restoreSeconds) metrics.TimeToRestore(ns, *o.restoreSeconds);
    }
  };
  cache::EventHandler h;
  h.on_add = [observe](const cache::ObjectPtr& obj) { observe(nullptr, obj); };
  h.on_update = [observe](const cache::ObjectPtr& old_obj, const cache::ObjectPtr& new_obj) {
    if (old_obj != new_obj) observe(old_obj, new_obj);
  };
  releases.AddEventHandler(std::move(h));
}

}  // namespace

Result<std::unique_ptr<manager::Component>> SetupPipelineController(manager::SetupContext& ctx) {
  auto c = std::make_unique<PipelineComponent>();
  cache::SharedInformer& pipelines = ctx.informers.For(kPipelines);
  cache::SharedInformer& jobs = ctx.informers.For(kube::kJobs);
  cache::SharedInformer& pods = ctx.informers.For(kube::kPods);
  cache::SharedInformer& releases = ctx.informers.For(kReleases);
  for (cache::SharedInformer* informer : {&jobs, &pods}) {
    if (Status s = AddPipelineIndex(*informer); !s.ok()) {
      return Error{"pipeline controller: " + s.error().message};
    }
  }
  c->metrics = std::make_unique<PipelineMetrics>(ctx.registry);
  c->reconciler = std::make_unique<Reconciler>(ReconcilerDeps{
      ctx.client, ctx.clock, ctx.events, pipelines, jobs, pods, releases, c->metrics.get()});
  controller::ControllerOptions opts;
  opts.max_concurrent_reconciles = ctx.options.workers;
  opts.metrics = &ctx.registry;
  opts.queue_metrics = &ctx.registry;
  c->controller = std::make_unique<controller::Controller>(kControllerName, *c->reconciler,
                                                           ctx.clock, std::move(opts));
  c->controller->For(pipelines);
  c->controller->Owns(jobs, api::kGroup, api::kPipelineKind);
  c->controller->Watches(pods, &PipelineOfPod);
  WatchReleases(releases, *c->metrics, ctx.clock);
  ctx.manager.AddController(c->controller.get());

  if (ctx.options.webhook_bind_address != kWebhookDisabled) {
    c->receiver = std::make_unique<webhook::Receiver>(WebhookLookup(ctx.client, pipelines),
                                                      WebhookTrigger(ctx.client));
    auto server = webhook::Server::Start(ctx.options.webhook_bind_address, *c->receiver);
    if (!server.ok()) {
      return Error{"cannot serve the git webhook on " + ctx.options.webhook_bind_address + ": " +
                   server.error().message};
    }
    c->server = std::move(server.value());
    log::Logger("pipeline").Info("git webhook receiver listening",
                                 {{"address", ctx.options.webhook_bind_address},
                                  {"port", c->server->port()}});
  }
  return std::unique_ptr<manager::Component>(std::move(c));
}

}  // namespace ferry::pipeline

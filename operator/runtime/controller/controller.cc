#include "operator/runtime/controller/controller.h"

#include <algorithm>
#include <exception>

namespace ferry::controller {

Controller::Controller(std::string name, Reconciler& reconciler, Clock& clock,
                       ControllerOptions options)
    : name_(std::move(name)),
      reconciler_(reconciler),
      clock_(clock),
      workers_(std::max(1, options.max_concurrent_reconciles)),
      metrics_(options.metrics),
      queue_(clock, name_, std::move(options.rate_limiter), options.queue_metrics),
      log_(log::Logger("controller").WithValues({{"controller", name_}})) {
  if (metrics_ != nullptr) metrics_->SetMaxConcurrentReconciles(name_, workers_);
}

Controller::~Controller() { Stop(clock_.Now()); }

void Controller::Enqueue(const std::vector<Request>& requests) {
  for (const auto& r : requests) queue_.Add(r.Key());
}

void Controller::For(cache::SharedInformer& informer) {
  Watches(informer, RequestsForObject);
}

void Controller::Owns(cache::SharedInformer& informer, std::string owner_group,
                      std::string owner_kind) {
  Watches(informer, [group = std::move(owner_group), kind = std::move(owner_kind)](
                        const nlohmann::json& obj) { return RequestsForOwner(obj, group, kind); });
}

void Controller::Watches(cache::SharedInformer& informer, MapFunc map) {
  auto shared = std::make_shared<MapFunc>(std::move(map));
  informer.AddEventHandler(cache::EventHandler{
      [this, shared](const cache::ObjectPtr& obj) { Enqueue((*shared)(*obj)); },
      [this, shared](const cache::ObjectPtr& old_obj, const cache::ObjectPtr& new_obj) {
        // Both: an owner reference may have changed hands. One Add per distinct key, so a
        // worker cannot pick up the first before the second is added and run twice.
        std::vector<Request> requests = (*shared)(*new_obj);
        if (old_obj != new_obj) {
          for (auto& r : (*shared)(*old_obj)) {
            if (std::find(requests.begin(), requests.end(), r) == requests.end()) {
              requests.push_back(std::move(r));
            }
          }
        }
        Enqueue(requests);
      },
      [this, shared](const cache::ObjectPtr& obj) { Enqueue((*shared)(*obj)); }});
}

void Controller::Start() {
  std::lock_guard g(mu_);
  if (started_) return;
  started_ = true;
  log_.Info("starting workers", {{"workers", workers_}});
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Worker(); });
}

bool Controller::Stop(Clock::TimePoint deadline) {
  bool drained = queue_.ShutDownWithDrain(deadline);
  if (!drained) log_.Warn("reconciles still running at the shutdown deadline");
  std::vector<std::thread> threads;
  {
    std::lock_guard g(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  return drained;
}

void Controller::Worker() {
  while (auto key = queue_.Get()) {
    ProcessKey(*key);
    queue_.Done(*key);
  }
}

ReconcileOutcome Controller::CallReconciler(const Request& request, const log::Logger& log) {
  try {
    return reconciler_.Reconcile(request);
  } catch (const std::exception& e) {
    log.Error("reconciler threw; requeueing", {{"exception", e.what()}});
  } catch (...) {
    log.Error("reconciler threw a non-standard exception; requeueing");
  }
  if (metrics_ != nullptr) metrics_->IncPanic(name_);
  return ReconcileError{"reconciler threw an exception", false};
}

void Controller::ProcessKey(const std::string& key) {
  Request request = Request::FromKey(key);
  log::Logger log = log_.WithObject(request.namespace_, request.name);
  if (metrics_ != nullptr) metrics_->AddActiveWorkers(name_, 1);
  auto start = clock_.Now();
  ReconcileOutcome outcome = CallReconciler(request, log);
  double seconds = std::chrono::duration<double>(clock_.Now() - start).count();
  RequeueDecision d = DecideRequeue(outcome);
  switch (d.action) {
    case QueueAction::kForget:
      queue_.Forget(key);
      break;
    case QueueAction::kAddRateLimited:
      if (!outcome.ok()) log.Error("reconcile failed", {{"error", outcome.error().message}});
      queue_.AddRateLimited(key);
      break;
    case QueueAction::kForgetAndAddAfter:
      queue_.Forget(key);
      queue_.AddAfter(key, d.after);
      break;
    case QueueAction::kDrop:
      log.Error("reconcile failed with a terminal error; not retrying",
                {{"error", outcome.error().message}});
      queue_.Forget(key);
      break;
  }
  if (metrics_ != nullptr) {
    if (d.terminal) metrics_->IncTerminalError(name_);
    metrics_->ObserveReconcile(name_, d.result, seconds);
    metrics_->AddActiveWorkers(name_, -1);
  }
}

}  // namespace ferry::controller

// Controller: a work queue of keys fed by informer event handlers, drained by N worker threads
// that call a Reconciler and apply the contract of reconciler.h (controller-runtime's
// controller). Keys enqueued before Start() wait in the queue.
//
//   informer event --(For / Owns / Watches mapping)--> queue.Add(key)
//   worker: key = queue.Get(); outcome = Reconcile(key); DecideRequeue(outcome); queue.Done(key)
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "operator/base/log.h"
#include "operator/runtime/cache/shared_informer.h"
#include "operator/runtime/controller/handlers.h"
#include "operator/runtime/controller/reconciler.h"
#include "operator/runtime/workqueue/rate_limiting_queue.h"

namespace ferry::controller {

inline constexpr int kDefaultMaxConcurrentReconciles = 1;

struct ControllerOptions {
  int max_concurrent_reconciles = kDefaultMaxConcurrentReconciles;  // --workers
  std::unique_ptr<workqueue::RateLimiter> rate_limiter;  // null = DefaultControllerRateLimiter
  metrics::ReconcileMetrics* metrics = nullptr;          // may be null
  metrics::QueueMetricsProvider* queue_metrics = nullptr;
};

// Maps one object to the requests it should trigger.
using MapFunc = std::function<std::vector<Request>(const nlohmann::json&)>;

class Controller {
 public:
  Controller(std::string name, Reconciler& reconciler, Clock& clock, ControllerOptions options = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Reconcile the informer's objects themselves.
  void For(cache::SharedInformer& informer);
  // Reconcile the controlling owner (kind `owner_kind` in `owner_group`) of the informer's objects.
  void Owns(cache::SharedInformer& informer, std::string owner_group, std::string owner_kind);
  // Reconcile whatever `map` returns for each added, updated (old and new) or deleted object.
  void Watches(cache::SharedInformer& informer, MapFunc map);

  // Starts the workers. Idempotent.
  void Start();
  // Stops taking keys, waits for in-flight reconciles until `deadline`, then joins the workers.
  // Returns false when a reconcile was still running at the deadline (its thread is joined when
  // it returns).
  bool Stop(Clock::TimePoint deadline);

  const std::string& name() const { return name_; }
  workqueue::RateLimitingQueue& queue() { return queue_; }

 private:
  void Enqueue(const std::vector<Request>& requests);
  void Worker();
  void ProcessKey(const std::string& key);
  ReconcileOutcome CallReconciler(const Request& request, const log::Logger& log);

  const std::string name_;
  Reconciler& reconciler_;
  Clock& clock_;
  const int workers_;
  metrics::ReconcileMetrics* metrics_;
  workqueue::RateLimitingQueue queue_;
  log::Logger log_;
  std::mutex mu_;
  bool started_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ferry::controller

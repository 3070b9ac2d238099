// Metric hooks: the small interfaces through which the runtime (work queues, controllers, leader
// election) and the Kubernetes client report what they do. They carry no prometheus-cpp type, so
// the runtime can be unit-tested with a recording fake and run with no metrics at all;
// `metrics/registry.h` implements them with prometheus-cpp under controller-runtime's names.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace ferry::metrics {

// One work queue's metrics (client-go's workqueue MetricsProvider, one object per queue).
class QueueMetrics {
 public:
  virtual ~QueueMetrics() = default;
  virtual void SetDepth(double depth) = 0;
  virtual void IncAdds() = 0;
  // Seconds an item waited in the queue before a worker took it.
  virtual void ObserveQueueDuration(double seconds) = 0;
  // Seconds a worker held an item (Get to Done).
  virtual void ObserveWorkDuration(double seconds) = 0;
  virtual void IncRetries() = 0;
  // Sum of the ages of all items being processed, and the age of the oldest: a stuck worker shows
  // as a value that keeps growing.
  virtual void SetUnfinishedWork(double seconds) = 0;
  virtual void SetLongestRunningProcessor(double seconds) = 0;
};

class QueueMetricsProvider {
 public:
  virtual ~QueueMetricsProvider() = default;
  virtual std::unique_ptr<QueueMetrics> ForQueue(const std::string& name) = 0;
};

// What a reconcile ended in; the `result` label of ferry_reconcile_total.
enum class ReconcileResultKind { kSuccess, kError, kRequeue, kRequeueAfter };
std::string_view ReconcileResultLabel(ReconcileResultKind r);

class ReconcileMetrics {
 public:
  virtual ~ReconcileMetrics() = default;
  virtual void ObserveReconcile(const std::string& controller, ReconcileResultKind result,
                                double seconds) = 0;
  // Errors that will not be retried (terminal) and exceptions caught from a reconciler.
  virtual void IncTerminalError(const std::string& controller) = 0;
  virtual void IncPanic(const std::string& controller) = 0;
  virtual void AddActiveWorkers(const std::string& controller, int delta) = 0;
  virtual void SetMaxConcurrentReconciles(const std::string& controller, int n) = 0;
};

class LeaderMetrics {
 public:
  virtual ~LeaderMetrics() = default;
  virtual void SetLeader(const std::string& lease_name, bool leading) = 0;
};

// Called by the Kubernetes client after every request (the wiring binds kube's hook to it).
class RequestMetrics {
 public:
  virtual ~RequestMetrics() = default;
  // `code` is the HTTP status as text, or "<error>" when no response arrived.
  virtual void ObserveRequest(std::string_view verb, std::string_view resource,
                              std::string_view code, double seconds) = 0;
};

}  // namespace ferry::metrics

// Recording fakes for the metric hooks, shared by the runtime tests.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "operator/metrics/hooks.h"

namespace ferry::testing {

struct QueueFigures {
  double depth = 0;
  int adds = 0;
  int retries = 0;
  int queue_observations = 0;
  double last_queue_seconds = 0;
  int work_observations = 0;
  double last_work_seconds = 0;
  double unfinished = 0;
  double longest = 0;
};

class FakeQueueMetricsProvider : public metrics::QueueMetricsProvider {
 public:
  std::unique_ptr<metrics::QueueMetrics> ForQueue(const std::string& name) override {
    struct M : metrics::QueueMetrics {
      FakeQueueMetricsProvider* p;
      std::string n;
      QueueFigures& F() { return p->figures[n]; }
      void SetDepth(double d) override { std::lock_guard g(p->mu); F().depth = d; }
      void IncAdds() override { std::lock_guard g(p->mu); F().adds++; }
      void ObserveQueueDuration(double s) override {
        std::lock_guard g(p->mu);
        F().queue_observations++;
        F().last_queue_seconds = s;
      }
      void ObserveWorkDuration(double s) override {
        std::lock_guard g(p->mu);
        F().work_observations++;
        F().last_work_seconds = s;
      }
      void IncRetries() override { std::lock_guard g(p->mu); F().retries++; }
      void SetUnfinishedWork(double s) override { std::lock_guard g(p->mu); F().unfinished = s; }
      void SetLongestRunningProcessor(double s) override {
        std::lock_guard g(p->mu);
        F().longest = s;
      }
    };
    auto m = std::make_unique<M>();
    m->p = this;
    m->n = name;
    return m;
  }
  QueueFigures Get(const std::string& name) {
    std::lock_guard g(mu);
    return figures[name];
  }
  std::mutex mu;
  std::map<std::string, QueueFigures> figures;
};

}  // namespace ferry::testing

namespace ferry::testing {

class FakeReconcileMetrics : public metrics::ReconcileMetrics {
 public:
  void ObserveReconcile(const std::string& c, metrics::ReconcileResultKind r, double) override {
    std::lock_guard g(mu);
    totals[c + "/" + std::string(metrics::ReconcileResultLabel(r))]++;
  }
  void IncTerminalError(const std::string& c) override { std::lock_guard g(mu); terminal[c]++; }
  void IncPanic(const std::string& c) override { std::lock_guard g(mu); panics[c]++; }
  void AddActiveWorkers(const std::string& c, int d) override {
    std::lock_guard g(mu);
    active[c] += d;
  }
  void SetMaxConcurrentReconciles(const std::string& c, int n) override {
    std::lock_guard g(mu);
    max_workers[c] = n;
  }
  int Total(const std::string& c, const std::string& result) {
    std::lock_guard g(mu);
    return totals[c + "/" + result];
  }
  std::mutex mu;
  std::map<std::string, int> totals, terminal, panics, active, max_workers;
};

}  // namespace ferry::testing

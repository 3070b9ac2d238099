// The simulated kube-controller-manager and kubelet: controllers that react to store events and
// write through ObjectService, all on one thread with a delayed work queue (so they never race
// each other, only the clients).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/core/objects.h"

namespace kubesim::controllers {

struct ControllerOptions {
  /// How long a running pod takes to turn Ready (fake kubelet).
  std::chrono::milliseconds pod_ready_delay{200};
  /// Delay before the garbage collector looks at a new dependent (the real one takes ~0.5 s).
  std::chrono::milliseconds gc_delay{100};
};

class Queue;

/// One simulated controller. `key`s are "storage|namespace|name".
class Controller {
 public:
  virtual ~Controller() = default;
  virtual void on_event(const StoreEvent& e, Queue& q) = 0;
  virtual void sync(const std::string& key, Queue& q) = 0;
  /// Enqueues everything already in the store (at start).
  virtual void resync(Queue& q) { (void)q; }
};

/// Delayed, de-duplicated work queue (earliest due time wins).
class Queue {
 public:
  using Clock = std::chrono::steady_clock;
  void add(Controller* c, const std::string& key,
           std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  /// Items due at `now`, removed from the queue.
  std::vector<std::pair<Controller*, std::string>> take_due(Clock::time_point now);
  Clock::time_point next_due() const;

 private:
  std::map<std::pair<Controller*, std::string>, Clock::time_point> items_;
};

std::string make_key(const std::string& storage, const std::string& ns, const std::string& name);
/// Splits a key into storage, namespace, name.
void split_key(const std::string& key, std::string* storage, std::string* ns, std::string* name);

class Manager {
 public:
  Manager(ObjectService& objects, ControllerOptions options);
  ~Manager();
  void start();
  void stop();

 private:
  void run();

  ObjectService& objects_;
  ControllerOptions options_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  WatcherPtr watcher_;
  std::thread thread_;
  bool running_ = false;
  Queue queue_;
};

/// Factories for the individual controllers (one file each).
std::unique_ptr<Controller> make_crd_controller(ObjectService& objects);
std::unique_ptr<Controller> make_namespace_controller(ObjectService& objects);
std::unique_ptr<Controller> make_garbage_collector(ObjectService& objects, const ControllerOptions& o);
std::unique_ptr<Controller> make_deployment_controller(ObjectService& objects);
std::unique_ptr<Controller> make_replicaset_controller(ObjectService& objects);
std::unique_ptr<Controller> make_job_controller(ObjectService& objects);
std::unique_ptr<Controller> make_kubelet(ObjectService& objects, const ControllerOptions& o);

}  // namespace kubesim::controllers

#include "sim/controllers/manager.h"

#include <iostream>

namespace kubesim::controllers {
namespace {
/// Upper bound of one idle wait, so stop() is noticed promptly.
constexpr std::chrono::milliseconds kMaxIdle{200};
}  // namespace

void Queue::add(Controller* c, const std::string& key, std::chrono::milliseconds delay) {
  auto due = Clock::now() + delay;
  auto k = std::make_pair(c, key);
  auto it = items_.find(k);
  if (it == items_.end() || due < it->second) items_[k] = due;
}

std::vector<std::pair<Controller*, std::string>> Queue::take_due(Clock::time_point now) {
  std::vector<std::pair<Controller*, std::string>> out;
  for (auto it = items_.begin(); it != items_.end();) {
    if (it->second <= now) {
      out.push_back(it->first);
      it = items_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

Queue::Clock::time_point Queue::next_due() const {
  auto best = Clock::now() + kMaxIdle;
  for (const auto& [k, due] : items_) best = std::min(best, due);
  return best;
}

std::string make_key(const std::string& storage, const std::string& ns, const std::string& name) {
  return storage + "|" + ns + "|" + name;
}

void split_key(const std::string& key, std::string* storage, std::string* ns, std::string* name) {
  size_t a = key.find('|'), b = key.find('|', a + 1);
  *storage = key.substr(0, a);
  *ns = key.substr(a + 1, b - a - 1);
  *name = key.substr(b + 1);
}

Manager::Manager(ObjectService& objects, ControllerOptions options)
    : objects_(objects), options_(options) {
  controllers_.push_back(make_crd_controller(objects));
  controllers_.push_back(make_namespace_controller(objects));
  controllers_.push_back(make_garbage_collector(objects, options));
  controllers_.push_back(make_deployment_controller(objects));
  controllers_.push_back(make_replicaset_controller(objects));
  controllers_.push_back(make_job_controller(objects));
  controllers_.push_back(make_kubelet(objects, options));
}

Manager::~Manager() { stop(); }

void Manager::start() {
  std::vector<EventPtr> none;
  int64_t floor = 0;
  watcher_ = objects_.store().watch("", objects_.store().current_rv(), &none, &floor);
  for (auto& c : controllers_) c->resync(queue_);
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void Manager::stop() {
  if (!running_) return;
  running_ = false;
  watcher_->close();
  if (thread_.joinable()) thread_.join();
  objects_.store().unwatch(watcher_);
}

void Manager::run() {
  while (running_) {
    std::vector<EventPtr> events;
    watcher_->wait(events, queue_.next_due());
    for (const auto& e : events) {
      for (auto& c : controllers_) c->on_event(*e, queue_);
    }
    for (auto& [c, key] : queue_.take_due(Queue::Clock::now())) {
      try {
        c->sync(key, queue_);
      } catch (const ApiError& e) {
        if (e.code == 409) queue_.add(c, key, std::chrono::milliseconds(10));
        else std::cerr << "kube-sim controller: " << key << ": " << e.message << "\n";
      } catch (const std::exception& e) {
        std::cerr << "kube-sim controller: " << key << ": " << e.what() << "\n";
      }
    }
  }
}

}  // namespace kubesim::controllers

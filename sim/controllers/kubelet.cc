// Fake kubelet: binds new pods to the simulated node, runs them, turns them Ready after the
// configured delay, and terminates them as the pod-template annotations say:
//   sim/exit-code (default 0), sim/duration-seconds (run time; absent: runs forever unless
//   sim/exit-code is set, then 1 s), sim/ready ("false": never Ready),
//   sim/termination-message (the container's termination message).
// Containers of restartPolicy OnFailure/Always pods that exit non-zero are restarted.
#include <map>

#include "sim/controllers/manager.h"
#include "sim/core/meta.h"

namespace kubesim::controllers {
namespace {

constexpr const char* kNodeName = "kube-sim-node";
constexpr std::chrono::milliseconds kDefaultRunWithExitCode{1000};

using Clock = std::chrono::steady_clock;

std::string annotation(const json& pod, const char* key) {
  const json a = pod["metadata"].value("annotations", json::object());
  return a.contains(key) && a[key].is_string() ? a[key].get<std::string>() : "";
}

json condition(const std::string& type, bool status, const std::string& now, const std::string& reason = "") {
  json c = {{"type", type}, {"status", status ? "True" : "False"}, {"lastProbeTime", nullptr}, {"lastTransitionTime", now}};
  if (!reason.empty()) c["reason"] = reason;
  return c;
}

struct PodClock {
  Clock::time_point started;
};

class Kubelet : public Controller {
 public:
  Kubelet(ObjectService& o, ControllerOptions opts) : objects_(o), opts_(opts) {}

  void on_event(const StoreEvent& e, Queue& q) override {
    if (e.ref.storage != "pods") return;
    if (e.type == "DELETED") {
      clocks_.erase(meta_string(*e.object, "uid"));
      return;
    }
    if (!(*e.object)["spec"].contains("nodeName")) q.add(this, make_key("pods", e.ref.ns, e.ref.name));
  }
  void resync(Queue& q) override {
    for (const auto& pod : objects_.store().list("pods", "")) {
      q.add(this, make_key("pods", meta_string(*pod, "namespace"), meta_string(*pod, "name")));
    }
  }

  void sync(const std::string& key, Queue& q) override {
    std::string storage, ns, name;
    split_key(key, &storage, &ns, &name);
    ObjectPtr cur = objects_.store().get("pods", ns, name);
    if (!cur || (*cur)["metadata"].contains("deletionTimestamp")) return;
    const json& pod = *cur;
    std::string phase = pod.value("status", json::object()).value("phase", "Pending");
    if (phase == "Succeeded" || phase == "Failed") return;
    if (!pod["spec"].contains("nodeName")) {
      start(ns, name, pod);
      q.add(this, key, opts_.pod_ready_delay);
      schedule_exit(pod, key, q);
      return;
    }
    auto& clk = clocks_[meta_string(pod, "uid")];
    if (clk.started == Clock::time_point{}) clk.started = Clock::now();
    auto now = Clock::now();
    auto run = run_time(pod);
    if (run && now >= clk.started + *run) {
      terminate(ns, name, pod, q, key);
      return;
    }
    if (annotation(pod, "sim/ready") != "false" && now >= clk.started + opts_.pod_ready_delay) set_ready(ns, name);
    if (run) q.add(this, key, std::chrono::duration_cast<std::chrono::milliseconds>(clk.started + *run - now));
  }

 private:
  std::optional<std::chrono::milliseconds> run_time(const json& pod) const {
    std::string d = annotation(pod, "sim/duration-seconds");
    if (!d.empty()) return std::chrono::milliseconds(static_cast<long>(std::atof(d.c_str()) * 1000));
    if (!annotation(pod, "sim/exit-code").empty()) return kDefaultRunWithExitCode;
    return std::nullopt;
  }

  void schedule_exit(const json& pod, const std::string& key, Queue& q) {
    if (auto run = run_time(pod)) q.add(this, key, *run);
  }

  ResourcePtr pods() { return objects_.registry().find("", "v1", "pods"); }

  WriteOptions status_opts() {
    WriteOptions o;
    o.manager = "kubelet";
    o.status = true;
    return o;
  }

  void start(const std::string& ns, const std::string& name, const json& pod) {
    clocks_[meta_string(pod, "uid")].started = Clock::now();
    std::string now = now_rfc3339();
    WriteOptions bind;
    bind.manager = "kube-scheduler";
    objects_.modify(*pods(), ns, name, [&](json& p) {
      p["spec"]["nodeName"] = kNodeName;
      return true;
    }, bind);
    objects_.modify(*pods(), ns, name, [&](json& p) {
      json statuses = json::array();
      int i = 0;
      for (const auto& c : p["spec"].value("containers", json::array())) {
        statuses.push_back({{"name", c["name"]}, {"state", {{"running", {{"startedAt", now}}}}}, {"lastState", json::object()},
                            {"ready", false}, {"restartCount", 0}, {"image", c.value("image", "")},
                            {"imageID", "fake-pullable://" + c.value("image", "")},
                            {"containerID", "fake://" + meta_string(p, "uid").substr(0, 8) + "-" + c.value("name", "") + "-" + std::to_string(i++)},
                            {"started", true}});
      }
      std::string ip = "10.244.0." + std::to_string(++ip_counter_ % 250 + 2);
      p["status"] = {{"phase", "Running"},
                     {"conditions", {condition("Initialized", true, now), condition("Ready", false, now, "ContainersNotReady"),
                                     condition("ContainersReady", false, now, "ContainersNotReady"),
                                     condition("PodScheduled", true, now)}},
                     {"hostIP", "127.0.0.1"}, {"podIP", ip}, {"podIPs", {{{"ip", ip}}}}, {"startTime", now},
                     {"containerStatuses", statuses}, {"qosClass", "BestEffort"}};
      return true;
    }, status_opts());
  }

  void set_ready(const std::string& ns, const std::string& name) {
    std::string now = now_rfc3339();
    objects_.modify(*pods(), ns, name, [&](json& p) {
      bool changed = false;
      for (auto& c : p["status"]["conditions"]) {
        if ((c["type"] == "Ready" || c["type"] == "ContainersReady") && c["status"] != "True") {
          c = condition(c["type"], true, now);
          changed = true;
        }
      }
      for (auto& s : p["status"]["containerStatuses"]) {
        if (s["state"].contains("running") && !s["ready"].get<bool>()) {
          s["ready"] = true;
          changed = true;
        }
      }
      return changed;
    }, status_opts());
  }

  void terminate(const std::string& ns, const std::string& name, const json& pod, Queue& q, const std::string& key) {
    std::string code_text = annotation(pod, "sim/exit-code");
    int code = code_text.empty() ? 0 : std::atoi(code_text.c_str());
    std::string message = annotation(pod, "sim/termination-message");
    std::string policy = pod["spec"].value("restartPolicy", "Always");
    bool restart = policy == "Always" || (policy == "OnFailure" && code != 0);
    std::string now = now_rfc3339();
    objects_.modify(*pods(), ns, name, [&](json& p) {
      for (auto& s : p["status"]["containerStatuses"]) {
        json terminated = {{"exitCode", code}, {"reason", code == 0 ? "Completed" : "Error"},
                           {"startedAt", s["state"].value("running", json::object()).value("startedAt", now)},
                           {"finishedAt", now}, {"containerID", s.value("containerID", "")}};
        if (!message.empty()) terminated["message"] = message;
        if (restart) {
          s["lastState"] = {{"terminated", terminated}};
          s["state"] = {{"running", {{"startedAt", now}}}};
          s["restartCount"] = s.value("restartCount", 0) + 1;
        } else {
          s["state"] = {{"terminated", terminated}};
          s["ready"] = false;
          s["started"] = false;
        }
      }
      if (!restart) {
        p["status"]["phase"] = code == 0 ? "Succeeded" : "Failed";
        for (auto& c : p["status"]["conditions"]) {
          if (c["type"] == "Ready" || c["type"] == "ContainersReady") c = condition(c["type"], false, now, "PodCompleted");
        }
      }
      return true;
    }, status_opts());
    if (restart) {
      clocks_[meta_string(pod, "uid")].started = Clock::now();
      schedule_exit(pod, key, q);
    }
  }

  ObjectService& objects_;
  ControllerOptions opts_;
  std::map<std::string, PodClock> clocks_;
  int ip_counter_ = 0;
};

}  // namespace

std::unique_ptr<Controller> make_kubelet(ObjectService& objects, const ControllerOptions& o) {
  return std::make_unique<Kubelet>(objects, o);
}

}  // namespace kubesim::controllers

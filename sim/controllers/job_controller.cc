// Job controller: runs pods until `completions` succeed; fails the Job with
// BackoffLimitExceeded (failed pods > backoffLimit, or container restarts >= backoffLimit with
// restartPolicy OnFailure) or DeadlineExceeded (activeDeadlineSeconds), deleting active pods,
// with the conditions and counters kube-controller-manager writes.
#include "sim/controllers/manager.h"
#include "sim/controllers/workloads.h"
#include "sim/core/meta.h"

namespace kubesim::controllers {
namespace {

constexpr const char* kJobsStorage = "batch/jobs";

bool finished(const json& job) {
  for (const auto& c : job.value("status", json::object()).value("conditions", json::array())) {
    if ((c.value("type", "") == "Complete" || c.value("type", "") == "Failed") && c.value("status", "") == "True") return true;
  }
  return false;
}

class JobController : public Controller {
 public:
  explicit JobController(ObjectService& o) : objects_(o) {}

  void on_event(const StoreEvent& e, Queue& q) override {
    if (e.ref.storage == kJobsStorage && e.type != "DELETED") q.add(this, make_key(kJobsStorage, e.ref.ns, e.ref.name));
    if (e.ref.storage == "pods") {
      std::string kind, name;
      if (controller_of(*e.object, &kind, &name) && kind == "Job") q.add(this, make_key(kJobsStorage, e.ref.ns, name));
    }
  }
  void resync(Queue& q) override {
    for (const auto& j : objects_.store().list(kJobsStorage, "")) {
      q.add(this, make_key(kJobsStorage, meta_string(*j, "namespace"), meta_string(*j, "name")));
    }
  }

  void sync(const std::string& key, Queue& q) override {
    std::string storage, ns, name;
    split_key(key, &storage, &ns, &name);
    ObjectPtr jp = objects_.store().get(kJobsStorage, ns, name);
    if (!jp || (*jp)["metadata"].contains("deletionTimestamp")) return;
    const json& job = *jp;
    const json spec = job["spec"];
    auto pods = owned(objects_, meta_string(job, "uid"), "pods");
    std::vector<ObjectPtr> active;
    int succeeded = 0, failed = 0, restarts = 0;
    for (const auto& p : pods) {
      std::string phase = (*p).value("status", json::object()).value("phase", "Pending");
      if (phase == "Succeeded") ++succeeded;
      else if (phase == "Failed") ++failed;
      else if (pod_active(*p)) active.push_back(p);
      for (const auto& s : (*p).value("status", json::object()).value("containerStatuses", json::array())) {
        restarts += s.value("restartCount", 0);
      }
    }
    if (finished(job)) {
      delete_pods(ns, active);
      return;
    }
    json status = job.value("status", json::object());
    std::string now = now_rfc3339();
    if (!status.contains("startTime")) status["startTime"] = now;
    int completions = spec.value("completions", 1), parallelism = spec.value("parallelism", 1);
    int backoff = spec.value("backoffLimit", 6);
    bool on_failure = spec["template"]["spec"].value("restartPolicy", "Never") == "OnFailure";
    std::string fail_reason, fail_message;
    if (spec.contains("activeDeadlineSeconds")) {
      std::chrono::system_clock::time_point start;
      parse_rfc3339(status["startTime"], &start);
      auto deadline = start + std::chrono::seconds(spec["activeDeadlineSeconds"].get<int>());
      auto left = deadline - std::chrono::system_clock::now();
      if (left <= std::chrono::seconds(0)) {
        fail_reason = "DeadlineExceeded";
        fail_message = "Job was active longer than specified deadline";
      } else {
        q.add(this, key, std::chrono::duration_cast<std::chrono::milliseconds>(left) + std::chrono::milliseconds(5));
      }
    }
    if (fail_reason.empty() && ((!on_failure && failed > backoff) || (on_failure && backoff > 0 && restarts >= backoff) ||
                                (on_failure && backoff == 0 && restarts > 0))) {
      fail_reason = "BackoffLimitExceeded";
      fail_message = "Job has reached the specified backoff limit";
    }
    if (!fail_reason.empty()) {
      if (fail_reason == "DeadlineExceeded") failed += static_cast<int>(active.size());
      delete_pods(ns, active);
      active.clear();
      status["conditions"] = json::array({{{"type", "Failed"}, {"status", "True"}, {"lastProbeTime", now},
                                           {"lastTransitionTime", now}, {"reason", fail_reason}, {"message", fail_message}}});
    } else if (succeeded >= completions) {
      status["conditions"] = json::array({{{"type", "Complete"}, {"status", "True"}, {"lastProbeTime", now},
                                           {"lastTransitionTime", now}}});
      status["completionTime"] = now;
    } else {
      int want = std::min(parallelism, completions - succeeded) - static_cast<int>(active.size());
      for (int i = 0; i < want; ++i) {
        create_pod(objects_, ns, name + "-", spec["template"], owner_ref("batch/v1", "Job", job), json::object());
      }
      active.resize(active.size() + static_cast<size_t>(std::max(0, want)));
    }
    status["active"] = static_cast<int>(active.size());
    status["succeeded"] = succeeded;
    status["failed"] = failed;
    for (const char* k : {"active", "succeeded", "failed"}) {
      if (status[k] == 0) status.erase(k);
    }
    WriteOptions opts;
    opts.status = true;
    objects_.modify(*objects_.registry().find_storage(kJobsStorage), ns, name, [&](json& o) {
      if (o.value("status", json::object()) == status) return false;
      o["status"] = status;
      return true;
    }, opts);
  }

 private:
  void delete_pods(const std::string& ns, const std::vector<ObjectPtr>& pods) {
    ResourcePtr r = objects_.registry().find("", "v1", "pods");
    for (const auto& p : pods) {
      if (!p) continue;
      try {
        objects_.remove(*r, ns, meta_string(*p, "name"), DeleteOptions{});
      } catch (const ApiError&) {
      }
    }
  }

  ObjectService& objects_;
};

}  // namespace

std::unique_ptr<Controller> make_job_controller(ObjectService& objects) {
  return std::make_unique<JobController>(objects);
}

}  // namespace kubesim::controllers

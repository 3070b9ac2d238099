// ReplicaSet controller: keeps spec.replicas active pods and reports replica counts.
#include "sim/controllers/manager.h"
#include "sim/controllers/workloads.h"
#include "sim/core/meta.h"

namespace kubesim::controllers {
namespace {

constexpr const char* kStorage = "apps/replicasets";

class ReplicaSetController : public Controller {
 public:
  explicit ReplicaSetController(ObjectService& o) : objects_(o) {}

  void on_event(const StoreEvent& e, Queue& q) override {
    if (e.ref.storage == kStorage && e.type != "DELETED") q.add(this, make_key(kStorage, e.ref.ns, e.ref.name));
    if (e.ref.storage == "pods") {
      std::string kind, name;
      if (controller_of(*e.object, &kind, &name) && kind == "ReplicaSet") q.add(this, make_key(kStorage, e.ref.ns, name));
    }
  }
  void resync(Queue& q) override {
    for (const auto& rs : objects_.store().list(kStorage, "")) {
      q.add(this, make_key(kStorage, meta_string(*rs, "namespace"), meta_string(*rs, "name")));
    }
  }

  void sync(const std::string& key, Queue&) override {
    std::string storage, ns, name;
    split_key(key, &storage, &ns, &name);
    ObjectPtr rs = objects_.store().get(kStorage, ns, name);
    if (!rs || (*rs)["metadata"].contains("deletionTimestamp")) return;
    int want = int_of(*rs, "spec", "replicas", 1);
    std::vector<ObjectPtr> active;
    for (const auto& p : owned(objects_, meta_string(*rs, "uid"), "pods")) {
      if (pod_active(*p)) active.push_back(p);
    }
    ResourcePtr pods = objects_.registry().find("", "v1", "pods");
    int have = static_cast<int>(active.size());
    for (int i = have; i < want; ++i) {
      create_pod(objects_, ns, name + "-", (*rs)["spec"]["template"], owner_ref("apps/v1", "ReplicaSet", *rs), json::object());
    }
    if (have > want) {
      std::stable_sort(active.begin(), active.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
        return !pod_ready(*a) && pod_ready(*b);
      });
      for (int i = 0; i < have - want; ++i) {
        try {
          objects_.remove(*pods, ns, meta_string(*active[static_cast<size_t>(i)], "name"), DeleteOptions{});
        } catch (const ApiError&) {
        }
      }
    }
    update_status(ns, name);
  }

 private:
  void update_status(const std::string& ns, const std::string& name) {
    ObjectPtr rs = objects_.store().get(kStorage, ns, name);
    if (!rs) return;
    int replicas = 0, ready = 0;
    for (const auto& p : owned(objects_, meta_string(*rs, "uid"), "pods")) {
      if (!pod_active(*p)) continue;
      ++replicas;
      if (pod_ready(*p)) ++ready;
    }
    json status = {{"replicas", replicas}, {"fullyLabeledReplicas", replicas}, {"readyReplicas", ready},
                   {"availableReplicas", ready}, {"observedGeneration", (*rs)["metadata"].value("generation", 1)}};
    for (const char* k : {"fullyLabeledReplicas", "readyReplicas", "availableReplicas"}) {
      if (status[k] == 0) status.erase(k);
    }
    WriteOptions opts;
    opts.status = true;
    ResourcePtr r = objects_.registry().find_storage(kStorage);
    objects_.modify(*r, ns, name, [&](json& obj) {
      if (obj.value("status", json::object()) == status) return false;
      obj["status"] = status;
      return true;
    }, opts);
  }

  ObjectService& objects_;
};

}  // namespace

std::unique_ptr<Controller> make_replicaset_controller(ObjectService& objects) {
  return std::make_unique<ReplicaSetController>(objects);
}

}  // namespace kubesim::controllers

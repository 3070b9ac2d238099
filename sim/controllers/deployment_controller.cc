// Deployment controller: ReplicaSet per pod template (<name>-<pod-template-hash>), rolling updates
// honouring maxSurge/maxUnavailable, Recreate, paused, and status/conditions with the reasons and
// messages of kube-controller-manager (NewReplicaSetCreated, ReplicaSetUpdated,
// NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused, MinimumReplicas*).
#include <algorithm>

#include "sim/controllers/manager.h"
#include "sim/controllers/workloads.h"
#include "sim/core/meta.h"

namespace kubesim::controllers {
namespace {

constexpr const char* kDeploymentsStorage = "apps/deployments";
constexpr const char* kRsStorage = "apps/replicasets";
constexpr const char* kRevision = "deployment.kubernetes.io/revision";
/// How often an unfinished rollout is re-examined (progress deadline checks).
constexpr std::chrono::milliseconds kProgressRecheck{500};

/// FNV-1a of the template, encoded like rand.SafeEncodeString.
std::string template_hash(const json& tmpl) {
  uint32_t h = 2166136261u;
  for (unsigned char c : tmpl.dump()) {
    h ^= c;
    h *= 16777619u;
  }
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string s = std::to_string(h), out;
  for (char c : s) out += kAlphabet[static_cast<size_t>(c) % (sizeof kAlphabet - 1)];
  return out.substr(0, 10);
}

json template_without_hash(json tmpl) {
  if (tmpl.contains("metadata") && tmpl["metadata"].contains("labels")) tmpl["metadata"]["labels"].erase("pod-template-hash");
  return tmpl;
}

int revision_of(const json& obj) {
  const json a = obj["metadata"].value("annotations", json::object());
  return a.contains(kRevision) ? std::atoi(a[kRevision].get<std::string>().c_str()) : 0;
}

json condition_of(const json& status, const std::string& type) {
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return nullptr;
}

/// Sets a condition, keeping lastTransitionTime when the status is unchanged.
void set_condition(json& status, const std::string& type, const std::string& st, const std::string& reason,
                   const std::string& message, const std::string& now) {
  json conds = status.value("conditions", json::array());
  json old = condition_of(status, type);
  json c = {{"type", type}, {"status", st}, {"lastUpdateTime", now}, {"lastTransitionTime", now},
            {"reason", reason}, {"message", message}};
  if (!old.is_null()) {
    if (old.value("status", "") == st) c["lastTransitionTime"] = old["lastTransitionTime"];
    if (old.value("status", "") == st && old.value("reason", "") == reason && old.value("message", "") == message) {
      c["lastUpdateTime"] = old["lastUpdateTime"];
    }
  }
  json out = json::array();
  bool placed = false;
  for (const auto& x : conds) {
    if (x.value("type", "") == type) {
      out.push_back(c);
      placed = true;
    } else {
      out.push_back(x);
    }
  }
  if (!placed) out.push_back(c);
  status["conditions"] = out;
}

class DeploymentController : public Controller {
 public:
  explicit DeploymentController(ObjectService& o) : objects_(o) {}

  void on_event(const StoreEvent& e, Queue& q) override {
    if (e.ref.storage == kDeploymentsStorage && e.type != "DELETED") q.add(this, make_key(kDeploymentsStorage, e.ref.ns, e.ref.name));
    if (e.ref.storage == kRsStorage) {
      std::string kind, name;
      if (controller_of(*e.object, &kind, &name) && kind == "Deployment") q.add(this, make_key(kDeploymentsStorage, e.ref.ns, name));
    }
  }
  void resync(Queue& q) override {
    for (const auto& d : objects_.store().list(kDeploymentsStorage, "")) {
      q.add(this, make_key(kDeploymentsStorage, meta_string(*d, "namespace"), meta_string(*d, "name")));
    }
  }

  void sync(const std::string& key, Queue& q) override {
    std::string storage, ns, name;
    split_key(key, &storage, &ns, &name);
    ObjectPtr dp = objects_.store().get(kDeploymentsStorage, ns, name);
    if (!dp || (*dp)["metadata"].contains("deletionTimestamp")) return;
    const json& d = *dp;
    const json spec = d["spec"];
    int replicas = spec.value("replicas", 1);
    bool paused = spec.value("paused", false);
    auto rses = owned(objects_, meta_string(d, "uid"), kRsStorage);
    ObjectPtr new_rs;
    std::vector<ObjectPtr> old;
    json want_tmpl = template_without_hash(spec["template"]);
    for (const auto& rs : rses) {
      if (template_without_hash((*rs)["spec"]["template"]) == want_tmpl) new_rs = rs;
      else old.push_back(rs);
    }
    bool created = false;
    if (!new_rs && !paused) {
      new_rs = create_rs(d, rses, old.empty() ? replicas : 0);
      created = true;
    }
    if (!paused && new_rs) roll(d, new_rs, old, replicas);
    if (paused && new_rs && old.empty()) scale_rs(*new_rs, replicas, d);
    if (new_rs) set_revision(d, revision_of(*new_rs));
    bool done = update_status(ns, name, new_rs ? meta_string(*new_rs, "name") : "", created, paused);
    if (!done) q.add(this, key, kProgressRecheck);
  }

 private:
  ResourcePtr rs_resource() { return objects_.registry().find_storage(kRsStorage); }

  ObjectPtr create_rs(const json& d, const std::vector<ObjectPtr>& all, int initial) {
    std::string hash = template_hash(template_without_hash(d["spec"]["template"]));
    int rev = 0;
    for (const auto& rs : all) rev = std::max(rev, revision_of(*rs));
    int replicas = d["spec"].value("replicas", 1);
    int surge = max_surge(d, replicas);
    json tmpl = d["spec"]["template"];
    tmpl["metadata"]["labels"]["pod-template-hash"] = hash;
    json selector = d["spec"].value("selector", json::object());
    selector["matchLabels"]["pod-template-hash"] = hash;
    json labels = tmpl["metadata"]["labels"];
    json rs = {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"},
               {"metadata", {{"name", meta_string(d, "name") + "-" + hash}, {"labels", labels},
                             {"annotations", {{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                                              {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + surge)},
                                              {kRevision, std::to_string(rev + 1)}}},
                             {"ownerReferences", {owner_ref("apps/v1", "Deployment", d)}}}},
               {"spec", {{"replicas", initial}, {"selector", selector}, {"template", tmpl}}}};
    if (d["spec"].contains("minReadySeconds")) rs["spec"]["minReadySeconds"] = d["spec"]["minReadySeconds"];
    std::string ns = meta_string(d, "namespace");
    try {
      objects_.create(*rs_resource(), ns, rs, WriteOptions{});
    } catch (const ApiError& e) {
      if (e.code != 409) throw;
    }
    return objects_.store().get(kRsStorage, ns, meta_string(rs, "name"));
  }

  int max_surge(const json& d, int replicas) {
    json ru = d["spec"].value("strategy", json::object()).value("rollingUpdate", json::object());
    return resolve_int_or_percent(ru.value("maxSurge", json("25%")), replicas, true);
  }
  int max_unavailable(const json& d, int replicas) {
    json ru = d["spec"].value("strategy", json::object()).value("rollingUpdate", json::object());
    int u = resolve_int_or_percent(ru.value("maxUnavailable", json("25%")), replicas, false);
    if (u == 0 && max_surge(d, replicas) == 0) u = 1;
    return std::min(u, replicas);
  }

  void scale_rs(const json& rs, int replicas, const json& d) {
    if (rs["spec"].value("replicas", 0) == replicas) return;
    int surge = max_surge(d, d["spec"].value("replicas", 1));
    objects_.modify(*rs_resource(), meta_string(rs, "namespace"), meta_string(rs, "name"), [&](json& o) {
      o["spec"]["replicas"] = replicas;
      o["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = std::to_string(d["spec"].value("replicas", 1));
      o["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] = std::to_string(d["spec"].value("replicas", 1) + surge);
      return true;
    }, WriteOptions{});
  }

  void roll(const json& d, const ObjectPtr& new_rs, std::vector<ObjectPtr> old, int replicas) {
    bool recreate = d["spec"].value("strategy", json::object()).value("type", "RollingUpdate") == "Recreate";
    auto spec_replicas = [](const json& rs) { return rs["spec"].value("replicas", 0); };
    auto available = [](const json& rs) { return int_of(rs, "status", "availableReplicas", 0); };
    if (recreate) {
      int old_pods = 0;
      for (const auto& rs : old) {
        scale_rs(*rs, 0, d);
        old_pods += int_of(*rs, "status", "replicas", 0);
      }
      if (old_pods == 0) scale_rs(*new_rs, replicas, d);
      return;
    }
    if (old.empty()) {
      scale_rs(*new_rs, replicas, d);
      return;
    }
    int surge = max_surge(d, replicas), unavailable = max_unavailable(d, replicas);
    int total = spec_replicas(*new_rs);
    for (const auto& rs : old) total += spec_replicas(*rs);
    int new_target = spec_replicas(*new_rs);
    if (total < replicas + surge && new_target < replicas) {
      new_target = std::min(replicas, new_target + (replicas + surge - total));
      scale_rs(*new_rs, new_target, d);
    }
    int all_available = available(*new_rs);
    for (const auto& rs : old) all_available += available(*rs);
    int can_remove = all_available - (replicas - unavailable);
    std::sort(old.begin(), old.end(), [](const ObjectPtr& a, const ObjectPtr& b) { return revision_of(*a) < revision_of(*b); });
    for (const auto& rs : old) {
      int cur = spec_replicas(*rs);
      int unhealthy = cur - available(*rs);
      int remove = std::min(cur, std::max(0, can_remove) + unhealthy);
      if (remove <= 0) continue;
      scale_rs(*rs, cur - remove, d);
      can_remove -= std::max(0, remove - unhealthy);
    }
  }

  void set_revision(const json& d, int rev) {
    if (rev == 0 || revision_of(d) == rev) return;
    objects_.modify(*objects_.registry().find_storage(kDeploymentsStorage), meta_string(d, "namespace"), meta_string(d, "name"),
                    [&](json& o) {
                      o["metadata"]["annotations"][kRevision] = std::to_string(rev);
                      return true;
                    }, WriteOptions{});
  }

  /// Writes status; returns true once the rollout is complete (or paused / timed out).
  bool update_status(const std::string& ns, const std::string& name, const std::string& new_name, bool created,
                     bool paused) {
    ObjectPtr dp = objects_.store().get(kDeploymentsStorage, ns, name);
    if (!dp) return true;
    const json& d = *dp;
    int replicas = d["spec"].value("replicas", 1);
    int total = 0, ready = 0, available = 0, updated = 0;
    for (const auto& rs : owned(objects_, meta_string(d, "uid"), kRsStorage)) {
      total += int_of(*rs, "status", "replicas", 0);
      ready += int_of(*rs, "status", "readyReplicas", 0);
      available += int_of(*rs, "status", "availableReplicas", 0);
      if (meta_string(*rs, "name") == new_name) updated = int_of(*rs, "status", "replicas", 0);
    }
    json old_status = d.value("status", json::object());
    json st = {{"observedGeneration", d["metadata"].value("generation", 1)}, {"replicas", total},
               {"updatedReplicas", updated}, {"readyReplicas", ready}, {"availableReplicas", available},
               {"unavailableReplicas", std::max(0, replicas - available)}};
    if (old_status.contains("conditions")) st["conditions"] = old_status["conditions"];
    std::string now = now_rfc3339();
    int min_available = replicas - max_unavailable(d, replicas);
    if (available >= min_available) {
      set_condition(st, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now);
    } else {
      set_condition(st, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now);
    }
    bool complete = updated == replicas && available == replicas && total == replicas;
    json prog = condition_of(old_status, "Progressing");
    bool done = complete || paused;
    if (paused) {
      set_condition(st, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now);
    } else if (complete) {
      set_condition(st, "Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"" + new_name + "\" has successfully progressed.", now);
    } else if (created) {
      set_condition(st, "Progressing", "True", "NewReplicaSetCreated", "Created new replica set \"" + new_name + "\"", now);
    } else if (timed_out(d, prog)) {
      set_condition(st, "Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \"" + new_name + "\" has timed out progressing.", now);
      done = true;
    } else if (prog.is_null() || progressed(old_status, st) || prog.value("reason", "") == "DeploymentPaused" ||
               prog.value("reason", "") == "NewReplicaSetAvailable") {
      set_condition(st, "Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"" + new_name + "\" is progressing.", now);
    }
    for (const char* k : {"updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "replicas"}) {
      if (st[k] == 0) st.erase(k);
    }
    if (paused && !d["metadata"].contains("annotations")) st.erase("updatedReplicas");
    WriteOptions opts;
    opts.status = true;
    objects_.modify(*objects_.registry().find_storage(kDeploymentsStorage), ns, name, [&](json& o) {
      if (o.value("status", json::object()) == st) return false;
      o["status"] = st;
      return true;
    }, opts);
    return done;
  }

  static bool progressed(const json& before, const json& after) {
    for (const char* k : {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas"}) {
      if (before.value(k, 0) != after.value(k, 0)) return true;
    }
    return false;
  }

  static bool timed_out(const json& d, const json& prog) {
    if (prog.is_null() || !d["spec"].contains("progressDeadlineSeconds")) return false;
    if (prog.value("reason", "") == "ProgressDeadlineExceeded") return true;
    std::chrono::system_clock::time_point last;
    if (!parse_rfc3339(prog.value("lastUpdateTime", ""), &last)) return false;
    auto deadline = last + std::chrono::seconds(d["spec"]["progressDeadlineSeconds"].get<int>());
    return std::chrono::system_clock::now() > deadline;
  }

  ObjectService& objects_;
};

}  // namespace

std::unique_ptr<Controller> make_deployment_controller(ObjectService& objects) {
  return std::make_unique<DeploymentController>(objects);
}

}  // namespace kubesim::controllers

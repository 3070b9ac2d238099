#include "sim/core/builtins.h"

#include <openssl/evp.h>

#include "sim/core/meta.h"
#include "sim/core/selectors.h"

namespace kubesim {
namespace {

void set_default(json& obj, const char* key, const json& value) {
  if (!obj.contains(key) || obj[key].is_null()) obj[key] = value;
}

void default_template(json& tmpl) {
  if (!tmpl.is_object()) return;
  if (!tmpl.contains("metadata")) tmpl["metadata"] = json::object();
  set_default(tmpl["metadata"], "creationTimestamp", nullptr);
  if (tmpl.contains("spec")) default_pod_spec(tmpl["spec"]);
}

std::string go_map(const json& labels) {
  std::string out = "map[string]string{";
  bool first = true;
  for (const auto& [k, v] : labels.items()) {
    if (!first) out += ", ";
    first = false;
    out += json(k).dump() + ":" + v.dump();
  }
  return out + "}";
}

std::string random_cluster_ip() {
  std::string s = new_uid();
  unsigned a = std::stoul(s.substr(0, 2), nullptr, 16), b = std::stoul(s.substr(2, 2), nullptr, 16);
  return "10.96." + std::to_string(a) + "." + std::to_string(b == 0 ? 1 : b);
}

}  // namespace

void default_pod_spec(json& spec) {
  if (!spec.is_object()) return;
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "securityContext", json::object());
  set_default(spec, "schedulerName", "default-scheduler");
  for (const char* list : {"containers", "initContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (auto& c : spec[list]) {
      if (!c.is_object()) continue;
      set_default(c, "resources", json::object());
      set_default(c, "terminationMessagePath", "/dev/termination-log");
      set_default(c, "terminationMessagePolicy", "File");
      std::string image = c.value("image", "");
      bool latest = image.find(':') == std::string::npos || image.size() < 7 ||
                    image.substr(image.size() - 7) == ":latest";
      set_default(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
      if (c.contains("ports") && c["ports"].is_array()) {
        for (auto& p : c["ports"]) set_default(p, "protocol", "TCP");
      }
    }
  }
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// A Secret's stringData is write-only: the API server merges it into data (base64) and drops it.
void fold_string_data(json& secret) {
  if (!secret.contains("stringData")) return;
  if (secret["stringData"].is_object()) {
    if (!secret["data"].is_object()) secret["data"] = json::object();
    for (const auto& [k, v] : secret["stringData"].items()) {
      if (v.is_string()) secret["data"][k] = base64(v.get<std::string>());
    }
  }
  secret.erase("stringData");
}

void default_builtin(const ResourceInfo& r, json& obj) {
  if (!obj.contains("spec") && (r.kind == "Deployment" || r.kind == "ReplicaSet" || r.kind == "Job" ||
                                r.kind == "Namespace" || r.kind == "Service")) {
    obj["spec"] = json::object();
  }
  json& spec = obj.contains("spec") ? obj["spec"] : obj;
  if (r.kind == "Namespace") {
    set_default(spec, "finalizers", json::array({"kubernetes"}));
  } else if (r.kind == "Pod") {
    default_pod_spec(spec);
  } else if (r.kind == "Deployment") {
    set_default(spec, "replicas", 1);
    set_default(spec, "revisionHistoryLimit", 10);
    set_default(spec, "progressDeadlineSeconds", 600);
    set_default(spec, "strategy", json{{"type", "RollingUpdate"}});
    if (spec["strategy"].value("type", "") == "RollingUpdate") {
      set_default(spec["strategy"], "rollingUpdate", json::object());
      set_default(spec["strategy"]["rollingUpdate"], "maxUnavailable", "25%");
      set_default(spec["strategy"]["rollingUpdate"], "maxSurge", "25%");
    }
    default_template(spec["template"]);
  } else if (r.kind == "ReplicaSet") {
    set_default(spec, "replicas", 1);
    default_template(spec["template"]);
  } else if (r.kind == "Job") {
    set_default(spec, "parallelism", 1);
    set_default(spec, "completions", 1);
    set_default(spec, "backoffLimit", 6);
    std::string uid = meta_string(obj, "uid");
    if (!spec.value("manualSelector", false) && !uid.empty()) {
      set_default(spec, "selector", json{{"matchLabels", {{"controller-uid", uid}}}});
      json& labels = spec["template"]["metadata"]["labels"];
      if (!labels.is_object()) labels = json::object();
      labels["controller-uid"] = uid;
      labels["job-name"] = meta_string(obj, "name");
    }
    default_template(spec["template"]);
    if (spec.contains("template") && spec["template"].contains("spec")) {
      // Jobs require an explicit restartPolicy; keep the user's value.
    }
  } else if (r.kind == "Service") {
    set_default(spec, "type", "ClusterIP");
    set_default(spec, "sessionAffinity", "None");
    if (spec.value("type", "") != "ExternalName") {
      set_default(spec, "clusterIP", random_cluster_ip());
      if (!spec.contains("clusterIPs") && spec["clusterIP"].is_string() && spec["clusterIP"] != "None") {
        spec["clusterIPs"] = json::array({spec["clusterIP"]});
      }
    }
    if (spec.contains("ports") && spec["ports"].is_array()) {
      for (auto& p : spec["ports"]) {
        set_default(p, "protocol", "TCP");
        if (p.contains("port")) set_default(p, "targetPort", p["port"]);
      }
    }
  } else if (r.kind == "Secret") {
    set_default(obj, "type", "Opaque");
    fold_string_data(obj);
  }
}

std::vector<Cause> validate_builtin(const ResourceInfo& r, const json& obj) {
  std::vector<Cause> out;
  const json spec = obj.value("spec", json::object());
  if (r.kind == "Deployment" || r.kind == "ReplicaSet" || r.kind == "Job") {
    const json tmpl_labels = spec.contains("template") ? labels_of(spec["template"]) : json::object();
    if (r.kind != "Job" && !spec.contains("selector")) {
      out.push_back(required("spec.selector"));
    } else if (spec.contains("selector") &&
               !LabelSelector::from_json(spec["selector"]).matches(tmpl_labels)) {
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + go_map(tmpl_labels) + ": `selector` does not match template `labels`",
                     "spec.template.metadata.labels"});
    }
    if (spec.contains("replicas") && spec["replicas"].is_number() && spec["replicas"].get<double>() < 0) {
      out.push_back(invalid_value("spec.replicas", spec["replicas"], "must be greater than or equal to 0"));
    }
    const json containers = spec.contains("template") ? spec["template"].value("spec", json::object()).value("containers", json::array()) : json::array();
    if (containers.empty()) out.push_back(required("spec.template.spec.containers"));
  } else if (r.kind == "Pod") {
    if (spec.value("containers", json::array()).empty()) out.push_back(required("spec.containers"));
  } else if (r.kind == "Lease") {
    if (spec.contains("leaseDurationSeconds") && spec["leaseDurationSeconds"].is_number() &&
        spec["leaseDurationSeconds"].get<double>() <= 0) {
      out.push_back(invalid_value("spec.leaseDurationSeconds", spec["leaseDurationSeconds"], "must be greater than 0"));
    }
  } else if (r.kind == "Event" && r.group == "events.k8s.io") {
    if (!obj.contains("eventTime") || obj["eventTime"].is_null()) out.push_back(required("eventTime"));
    std::string type = obj.value("type", "");
    if (type != "Normal" && type != "Warning") {
      out.push_back({"FieldValueInvalid", "Invalid value: \"\": has invalid value: " + type, "type"});
    }
  }
  return out;
}

void check_builtin_decoding(const ResourceInfo& r, const json& obj) {
  if (r.kind != "Lease") return;
  const json spec = obj.value("spec", json::object());
  for (const char* f : {"acquireTime", "renewTime"}) {
    if (!spec.contains(f) || !spec[f].is_string()) continue;
    std::string v = spec[f];
    if (!is_micro_time(v)) {
      throw errors::bad_request("Lease in version \"v1\" cannot be handled as a Lease: v1.Lease.Spec: "
                                "v1.LeaseSpec.RenewTime: AcquireTime: unmarshalerDecoder: parsing time \"" +
                                v + "\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"Z\" as \".000000\"");
    }
  }
}

json initial_status(const ResourceInfo& r, const json& obj) {
  if (r.kind == "Namespace") return {{"phase", "Active"}};
  if (r.kind == "Pod") return {{"phase", "Pending"}, {"qosClass", "BestEffort"}};
  if (r.kind == "Service") return {{"loadBalancer", json::object()}};
  if (!r.has_status) return obj.value("status", json());
  return json::object();
}

json event_to_core(const json& ev) {
  json out = ev;
  out["apiVersion"] = "v1";
  auto move = [&](const char* from, const char* to) {
    if (out.contains(from)) {
      out[to] = out[from];
      out.erase(from);
    }
  };
  move("note", "message");
  move("regarding", "involvedObject");
  move("related", "related");
  move("reportingController", "reportingComponent");
  move("deprecatedSource", "source");
  move("deprecatedCount", "count");
  move("deprecatedFirstTimestamp", "firstTimestamp");
  move("deprecatedLastTimestamp", "lastTimestamp");
  if (out.contains("series")) {
    out["series"].erase("lastObservedTime");
  }
  if (!out.contains("involvedObject")) out["involvedObject"] = json::object();
  if (!out.contains("source")) out["source"] = json::object();
  return out;
}

json event_from_core(const json& ev) {
  json out = ev;
  out["apiVersion"] = "events.k8s.io/v1";
  auto move = [&](const char* from, const char* to) {
    if (out.contains(from)) {
      out[to] = out[from];
      out.erase(from);
    }
  };
  move("message", "note");
  move("involvedObject", "regarding");
  move("reportingComponent", "reportingController");
  move("source", "deprecatedSource");
  move("count", "deprecatedCount");
  move("firstTimestamp", "deprecatedFirstTimestamp");
  move("lastTimestamp", "deprecatedLastTimestamp");
  if (!out.contains("eventTime")) out["eventTime"] = nullptr;
  return out;
}

}  // namespace kubesim

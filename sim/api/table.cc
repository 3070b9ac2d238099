#include "sim/api/table.h"

#include <chrono>

#include "sim/core/meta.h"

namespace kubesim::api {
namespace {

struct Column {
  std::string name, type, format, description, path;
};

const char* kNameDescription =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: http://kubernetes.io/docs/user-guide/identifiers#names";

json at(const json& obj, const std::string& path) {
  const json* cur = &obj;
  size_t pos = path.empty() || path[0] != '.' ? 0 : 1;
  while (pos < path.size()) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return *cur;
}

std::string age(const json& obj) {
  std::chrono::system_clock::time_point t;
  if (!parse_rfc3339(meta_string(obj, "creationTimestamp"), &t)) return "<unknown>";
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t).count();
  return human_duration(secs < 0 ? 0 : secs);
}

std::vector<Column> columns_for(const ResourceInfo& r) {
  std::vector<Column> cols = {{"Name", "string", "name", kNameDescription, ""}};
  if (!r.builtin) {
    for (const auto& p : r.printer_columns) cols.push_back({p.name, p.type, p.format, p.description, p.json_path});
    bool has_age = false;
    for (const auto& p : r.printer_columns) has_age = has_age || p.name == "Age";
    if (!has_age) cols.push_back({"Age", "date", "", "", ".metadata.creationTimestamp"});
    return cols;
  }
  if (r.kind == "Pod") {
    cols.push_back({"Ready", "string", "", "", "#ready"});
    cols.push_back({"Status", "string", "", "", "#podstatus"});
    cols.push_back({"Restarts", "integer", "", "", "#restarts"});
  } else if (r.kind == "Deployment") {
    cols.push_back({"Ready", "string", "", "", "#deployready"});
    cols.push_back({"Up-to-date", "integer", "", "", ".status.updatedReplicas"});
    cols.push_back({"Available", "integer", "", "", ".status.availableReplicas"});
  } else if (r.kind == "ReplicaSet") {
    cols.push_back({"Desired", "integer", "", "", ".spec.replicas"});
    cols.push_back({"Current", "integer", "", "", ".status.replicas"});
    cols.push_back({"Ready", "integer", "", "", ".status.readyReplicas"});
  } else if (r.kind == "Job") {
    cols.push_back({"Completions", "string", "", "", "#completions"});
  } else if (r.kind == "Namespace") {
    cols.push_back({"Status", "string", "", "", ".status.phase"});
  } else if (r.kind == "Service") {
    cols.push_back({"Type", "string", "", "", ".spec.type"});
    cols.push_back({"Cluster-IP", "string", "", "", ".spec.clusterIP"});
  }
  cols.push_back({"Age", "string", "", "", ".metadata.creationTimestamp"});
  return cols;
}

json cell(const Column& c, const json& obj) {
  if (c.format == "name") return meta_string(obj, "name");
  if (c.path == ".metadata.creationTimestamp") return age(obj);
  if (c.path == "#ready") {
    const json statuses = obj.value("status", json::object()).value("containerStatuses", json::array());
    int ready = 0;
    for (const auto& s : statuses) ready += s.value("ready", false) ? 1 : 0;
    size_t total = obj.value("spec", json::object()).value("containers", json::array()).size();
    return std::to_string(ready) + "/" + std::to_string(total);
  }
  if (c.path == "#podstatus") {
    const json st = obj.value("status", json::object());
    if (obj["metadata"].contains("deletionTimestamp")) return "Terminating";
    for (const auto& s : st.value("containerStatuses", json::array())) {
      const json state = s.value("state", json::object());
      if (state.contains("terminated")) return state["terminated"].value("reason", "Completed");
      if (state.contains("waiting")) return state["waiting"].value("reason", "Waiting");
    }
    return st.value("phase", "Pending");
  }
  if (c.path == "#restarts") {
    int n = 0;
    for (const auto& s : obj.value("status", json::object()).value("containerStatuses", json::array())) {
      n += s.value("restartCount", 0);
    }
    return n;
  }
  if (c.path == "#deployready") {
    return std::to_string(obj.value("status", json::object()).value("readyReplicas", 0)) + "/" +
           std::to_string(obj.value("spec", json::object()).value("replicas", 0));
  }
  if (c.path == "#completions") {
    return std::to_string(obj.value("status", json::object()).value("succeeded", 0)) + "/" +
           std::to_string(obj.value("spec", json::object()).value("completions", 1));
  }
  json v = at(obj, c.path);
  if (c.type == "date" && v.is_string()) return age(obj);
  if (v.is_null() && (c.type == "integer" || c.type == "number") && obj.value("kind", "") != "" && !c.path.empty() &&
      c.path.rfind(".status", 0) == 0 && obj.contains("status") == false) {
    return nullptr;
  }
  return v;
}

}  // namespace

std::string human_duration(long long s) {
  if (s < 120) return std::to_string(s) + "s";
  long long m = s / 60;
  if (m < 10) return std::to_string(m) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  if (m < 180) return std::to_string(m) + "m";
  long long h = m / 60;
  if (h < 48) return std::to_string(h) + "h";
  return std::to_string(h / 24) + "d";
}

json partial_metadata(const json& obj) {
  json md = obj["metadata"];
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", md}};
}

json build_table(const ResourceInfo& r, const json& items, const std::string& self_link,
                 const std::string& resource_version, const std::string& include_object) {
  auto cols = columns_for(r);
  json defs = json::array();
  for (const auto& c : cols) {
    defs.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description},
                    {"priority", 0}});
  }
  json rows = json::array();
  for (const auto& obj : items) {
    json cells = json::array();
    for (const auto& c : cols) cells.push_back(cell(c, obj));
    json row = {{"cells", cells}};
    if (include_object == "Object") row["object"] = obj;
    else if (include_object != "None") row["object"] = partial_metadata(obj);
    rows.push_back(row);
  }
  return {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"selfLink", self_link}, {"resourceVersion", resource_version}}},
          {"columnDefinitions", defs}, {"rows", rows}};
}

}  // namespace kubesim::api

// Single-object verbs: get, create, update, patch (incl. server-side apply), delete, /scale.
#include "sim/api/api_server.h"
#include "sim/api/protobuf.h"
#include "sim/api/table.h"
#include "sim/core/meta.h"
#include "sim/core/patch.h"

namespace kubesim::api {
namespace {

std::string manager_from_user_agent(const std::string& ua) {
  if (ua.empty()) return "unknown";
  size_t slash = ua.find('/');
  return ua.substr(0, slash);
}

std::string media_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

json scale_of(const ResourceInfo& r, const json& obj) {
  const ScaleSpec& s = *r.scale;
  auto at = [&](const std::string& path) -> json {
    const json* cur = &obj;
    size_t pos = 1;
    while (pos < path.size()) {
      size_t dot = path.find('.', pos);
      std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
      if (!cur->is_object() || !cur->contains(part)) return nullptr;
      cur = &(*cur)[part];
      if (dot == std::string::npos) break;
      pos = dot + 1;
    }
    return *cur;
  };
  json md = {{"name", obj["metadata"]["name"]},
             {"selfLink", obj["metadata"].value("selfLink", "") + "/scale"},
             {"uid", obj["metadata"]["uid"]},
             {"resourceVersion", obj["metadata"]["resourceVersion"]},
             {"creationTimestamp", obj["metadata"]["creationTimestamp"]}};
  if (obj["metadata"].contains("namespace")) md["namespace"] = obj["metadata"]["namespace"];
  json spec_replicas = at(s.spec_replicas_path);
  json status_replicas = at(s.status_replicas_path);
  json status = {{"replicas", status_replicas.is_number() ? status_replicas : json(0)}};
  if (!s.label_selector_path.empty()) {
    json sel = at(s.label_selector_path);
    if (sel.is_string()) status["selector"] = sel;
  }
  return {{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"}, {"metadata", md},
          {"spec", {{"replicas", spec_replicas.is_number() ? spec_replicas : json(0)}}}, {"status", status}};
}

void set_path(json& obj, const std::string& path, const json& value) {
  json* cur = &obj;
  size_t pos = 1;
  while (pos < path.size()) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  *cur = value;
}

}  // namespace

json ApiServer::decode_body(Ctx& c, const ResourceInfo& r) {
  std::string ct = media_type(c.req.header("content-type"));
  const std::string& body = c.req.body;
  if (ct.empty() || ct == "application/json") {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) {
      std::string shown = body.size() > 30 ? body.substr(0, 30) + " ..." : body;
      throw errors::bad_request("the object provided is unrecognized (must be of type " + r.kind +
                                "): couldn't get version/kind; json parse error: unexpected end of JSON input (" +
                                shown + ")");
    }
    return j;
  }
  if (ct == "application/yaml") {
    try {
      return yaml_to_json(body);
    } catch (const std::exception& e) {
      throw errors::bad_request(std::string("the object provided is unrecognized (must be of type ") + r.kind +
                                "): " + e.what());
    }
  }
  if (ct == "application/vnd.kubernetes.protobuf") {
    try {
      if (auto obj = decode_protobuf_object(body)) return *obj;
    } catch (const ProtobufError& e) {
      throw errors::bad_request(std::string("the object provided is unrecognized (must be of type ") + r.kind +
                                "): " + e.what());
    }
  }
  throw errors::unsupported_media_type("application/json, application/yaml, application/vnd.kubernetes.protobuf");
}

WriteOptions ApiServer::write_options(Ctx& c, bool status) {
  WriteOptions o;
  o.manager = c.req.param("fieldManager");
  if (o.manager.empty()) o.manager = manager_from_user_agent(c.req.header("user-agent"));
  o.dry_run = c.req.param("dryRun") == "All";
  o.status = status;
  o.force = c.req.param("force") == "true";
  return o;
}

void ApiServer::send_table_or_object(Ctx& c, int status, const json& obj, const ResourceInfo& r) {
  if (c.neg.as == Negotiated::As::kTable) {
    return send(c, status, build_table(r, json::array({obj}), obj["metadata"].value("selfLink", ""),
                                       obj["metadata"].value("resourceVersion", ""), c.req.param("includeObject")), &r);
  }
  if (c.neg.as == Negotiated::As::kPartialMetadata) {
    return send(c, status, partial_metadata(obj), &r);
  }
  send(c, status, obj, &r);
}

void ApiServer::do_get(Ctx& c, const ResourceInfo& r) {
  json obj = objects_.get(r, c.info.ns, c.info.name);
  send_table_or_object(c, 200, obj, r);
}

void ApiServer::do_create(Ctx& c, const ResourceInfo& r) {
  json body = decode_body(c, r);
  if (body.is_object() && !c.info.name.empty() && !body.contains("metadata")) body["metadata"] = json::object();
  json created = objects_.create(r, c.info.ns, std::move(body), write_options(c, false));
  send(c, 201, created, &r);
}

void ApiServer::do_update(Ctx& c, const ResourceInfo& r) {
  json body = decode_body(c, r);
  json updated = objects_.update(r, c.info.ns, c.info.name, std::move(body),
                                 write_options(c, c.info.subresource == "status"));
  send(c, 200, updated, &r);
}

void ApiServer::do_patch(Ctx& c, const ResourceInfo& r) {
  std::string ct = media_type(c.req.header("content-type"));
  bool ok = ct == kMergePatch || ct == kJsonPatch || ct == kApplyPatch || (r.builtin && ct == kStrategicPatch);
  if (!ok) {
    throw errors::unsupported_media_type(r.builtin ? "application/json-patch+json, application/merge-patch+json, "
                                                     "application/strategic-merge-patch+json, application/apply-patch+yaml"
                                                   : "application/json-patch+json, application/merge-patch+json, "
                                                     "application/apply-patch+yaml");
  }
  WriteOptions opts = write_options(c, c.info.subresource == "status");
  if (ct == kApplyPatch) {
    if (c.req.param("fieldManager").empty()) {
      ApiError e = errors::invalid("meta.k8s.io", "PatchOptions", "",
                                   {{"FieldValueRequired", "Required value: is required for apply patch", "fieldManager"}});
      e.details.erase("name");
      throw e;
    }
    json applied;
    try {
      applied = yaml_to_json(c.req.body);
    } catch (const std::exception& e) {
      throw errors::bad_request(std::string("error decoding YAML: ") + e.what());
    }
    if (applied.is_object() && applied.value("kind", "") != r.kind) {
      throw ApiError{500, "", "failed to create typed patch object: no corresponding type for " + r.api_version() +
                                  ", Kind=" + applied.value("kind", ""), nullptr};
    }
    bool created = false;
    json result = objects_.apply(r, c.info.ns, c.info.name, std::move(applied), opts, &created);
    return send(c, created ? 201 : 200, result, &r);
  }
  json result = objects_.patch(r, c.info.ns, c.info.name, ct, c.req.body, opts);
  send(c, 200, result, &r);
}

void ApiServer::do_delete(Ctx& c, const ResourceInfo& r) {
  DeleteOptions opts;
  json body = decode_delete_options_body(c.req.body);
  opts.propagation = body.value("propagationPolicy", c.req.param("propagationPolicy"));
  if (body.contains("preconditions")) {
    const json& p = body["preconditions"];
    if (p.contains("uid") && p["uid"].is_string()) opts.uid = p["uid"].get<std::string>();
    if (p.contains("resourceVersion") && p["resourceVersion"].is_string()) {
      opts.resource_version = p["resourceVersion"].get<std::string>();
    }
  }
  if (body.value("orphanDependents", false) || c.req.param("orphanDependents") == "true") opts.propagation = "Orphan";
  opts.dry_run = c.req.param("dryRun") == "All" ||
                 (body.contains("dryRun") && body["dryRun"].is_array() && !body["dryRun"].empty());
  DeleteResult res = objects_.remove(r, c.info.ns, c.info.name, opts);
  if (!res.gone) return send(c, 200, res.object, &r);
  send(c, 200, success_status(c.info.name, r.group, r.resource, meta_string(res.object, "uid")), &r);
}

void ApiServer::do_scale(Ctx& c, const ResourceInfo& r) {
  const std::string& v = c.info.verb;
  if (v == "get") return send(c, 200, scale_of(r, objects_.get(r, c.info.ns, c.info.name)));
  json current = objects_.get(r, c.info.ns, c.info.name);
  json scale = scale_of(r, current);
  json desired;
  if (v == "update") {
    desired = decode_body(c, r);
  } else if (v == "patch") {
    std::string ct = media_type(c.req.header("content-type"));
    desired = apply_patch(ct, scale, c.req.body);
  } else {
    throw errors::method_not_supported(r, v);
  }
  json replicas = desired.value("spec", json::object()).value("replicas", json(0));
  if (r.builtin && replicas.is_number() && replicas.get<double>() < 0) {
    throw errors::invalid("autoscaling", "Scale", c.info.name,
                          {invalid_value("spec.replicas", replicas, "must be greater than or equal to 0")});
  }
  std::string want_rv = meta_string(desired, "resourceVersion");
  if (!want_rv.empty() && want_rv != meta_string(current, "resourceVersion")) {
    throw errors::conflict(r, c.info.name);
  }
  WriteOptions opts = write_options(c, false);
  auto result = objects_.modify(
      r, c.info.ns, c.info.name,
      [&](json& obj) {
        if (!want_rv.empty() && meta_string(obj, "resourceVersion") != want_rv) throw errors::conflict(r, c.info.name);
        set_path(obj, r.scale->spec_replicas_path, replicas);
        return true;
      },
      opts);
  if (!result) throw errors::not_found(r, c.info.name);
  send(c, 200, scale_of(r, *result));
}

}  // namespace kubesim::api

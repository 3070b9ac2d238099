#include "sim/core/objects.h"

#include <set>

#include "sim/core/builtins.h"
#include "sim/core/fieldset.h"
#include "sim/core/meta.h"
#include "sim/core/patch.h"
#include "sim/core/schema.h"

namespace kubesim {
namespace {

/// Attempts of a compare-and-swap write before giving up with a 409.
constexpr int kMaxWriteAttempts = 16;

const char* kImmutableMeta[] = {"uid", "creationTimestamp", "deletionTimestamp",
                                "deletionGracePeriodSeconds", "generation", "name", "namespace"};

std::string rv_of(const json& obj) { return meta_string(obj, "resourceVersion"); }

bool has_deletion(const json& obj) {
  return obj.contains("metadata") && obj["metadata"].contains("deletionTimestamp") &&
         !obj["metadata"]["deletionTimestamp"].is_null();
}

json finalizers_of(const json& obj) {
  return obj["metadata"].value("finalizers", json::array());
}

/// The part whose change bumps metadata.generation.
json spec_part(const ResourceInfo& r, const json& obj) {
  json out = obj;
  out.erase("metadata");
  if (r.has_status || r.builtin) out.erase("status");
  out.erase("apiVersion");
  out.erase("kind");
  return out;
}

/// Replicas at a ".spec.replicas"-style path.
const json* at_path(const json& obj, const std::string& dotted) {
  const json* cur = &obj;
  size_t pos = dotted.empty() || dotted[0] != '.' ? 0 : 1;
  while (pos < dotted.size()) {
    size_t dot = dotted.find('.', pos);
    std::string part = dotted.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return cur;
}

/// Kinds whose strategies maintain metadata.generation (custom resources always do).
bool tracks_generation(const ResourceInfo& r) {
  static const std::set<std::string> kinds = {"Deployment", "ReplicaSet", "CustomResourceDefinition",
                                              "StatefulSet", "DaemonSet"};
  return !r.builtin || kinds.count(r.kind) > 0;
}

void check_kind(const ResourceInfo& r, const json& obj) {
  if (!obj.is_object()) {
    throw errors::bad_request("the object provided is unrecognized (must be of type " + r.kind + ")");
  }
  std::string kind = obj.value("kind", "");
  if (!kind.empty() && kind != r.kind) {
    std::string name = meta_string(obj, "name");
    throw errors::invalid(r.group, kind, name, {invalid_value("kind", kind, "must be " + r.kind)});
  }
  if (obj.contains("metadata") && !obj["metadata"].is_object()) {
    throw errors::bad_request("the object provided is unrecognized (must be of type " + r.kind +
                              "): metadata must be an object");
  }
}

template <typename F>
auto with_retries(F f) {
  for (int attempt = 0;; ++attempt) {
    try {
      return f();
    } catch (const RetryWrite&) {
      if (attempt + 1 >= kMaxWriteAttempts) throw errors::internal("too many concurrent writes to one object");
    }
  }
}

}  // namespace

json ObjectService::present(const ResourceInfo& r, const json& stored) const {
  json out = r.group == "events.k8s.io" ? event_from_core(stored) : stored;
  out["apiVersion"] = r.api_version();
  out["kind"] = r.kind;
  out["metadata"]["selfLink"] = r.self_link(meta_string(stored, "namespace"), meta_string(stored, "name"));
  return out;
}

json ObjectService::to_storage(const ResourceInfo& r, json obj) const {
  if (r.group == "events.k8s.io") obj = event_to_core(obj);
  if (r.group == "extensions" && r.resource == "ingresses") obj["apiVersion"] = "networking.k8s.io/v1";
  else if (r.group != "events.k8s.io") obj["apiVersion"] = r.api_version();
  obj["kind"] = r.kind;
  if (obj.contains("metadata")) obj["metadata"].erase("selfLink");
  return obj;
}

json ObjectService::get(const ResourceInfo& r, const std::string& ns, const std::string& name) const {
  ObjectPtr obj = store_.get(r.storage, r.namespaced ? ns : "", name);
  if (!obj) throw errors::not_found(r, name);
  return present(r, *obj);
}

void ObjectService::check_namespace_for_create(const ResourceInfo& r, const std::string& ns,
                                               const std::string& name) const {
  if (!r.namespaced) return;
  ObjectPtr nsobj = store_.get("namespaces", "", ns);
  if (!nsobj) throw errors::not_found_namespace(ns);
  if (has_deletion(*nsobj)) {
    ApiError e = errors::forbidden(
        r.group_resource() + " \"" + name + "\" is forbidden: unable to create new content in namespace " + ns +
            " because it is being terminated",
        json{{"name", name}, {"group", r.group}, {"kind", r.resource},
             {"causes", {{{"reason", "NamespaceTerminating"}, {"message", "namespace " + ns + " is being terminated"},
                          {"field", "metadata.namespace"}}}}});
    if (r.group.empty()) e.details.erase("group");
    throw e;
  }
}

void ObjectService::validate(const ResourceInfo& r, const json& obj, const json* old) const {
  std::vector<Cause> causes;
  const std::string name = meta_string(obj, "name");
  if (r.builtin) {
    causes = validate_builtin(r, obj);
  } else {
    if (!r.schema.is_null()) causes = validate_schema(r.schema, obj);
    if (r.scale) {
      const json* replicas = at_path(obj, r.scale->spec_replicas_path);
      if (replicas && replicas->is_number_integer() && replicas->get<int64_t>() < 0) {
        causes.push_back(invalid_value(r.scale->spec_replicas_path, *replicas, "should be a non-negative integer"));
      } else if (replicas && !replicas->is_number()) {
        std::string shown = replicas->is_string() ? replicas->get<std::string>() : replicas->dump();
        causes.push_back(invalid_value(r.scale->spec_replicas_path, 0,
                                       r.scale->spec_replicas_path + " accessor error: " + shown +
                                           " is of the type " + json_type_name(*replicas) + ", expected int64"));
      }
    }
  }
  auto label_causes = validate_labels(obj["metadata"].value("labels", json::object()));
  causes.insert(causes.end(), label_causes.begin(), label_causes.end());
  if (old && has_deletion(*old)) {
    json before = finalizers_of(*old);
    std::vector<std::string> added;
    for (const auto& f : finalizers_of(obj)) {
      if (std::find(before.begin(), before.end(), f) == before.end()) added.push_back(f);
    }
    if (!added.empty()) {
      std::string list = "[]string{";
      for (size_t i = 0; i < added.size(); ++i) list += (i ? ", " : "") + json(added[i]).dump();
      list += "}";
      Cause c = forbidden_field("metadata.finalizers",
                                "no new finalizers can be added if the object is being deleted, found new finalizers " + list);
      causes.insert(causes.begin(), {c, c});
    }
  }
  if (!causes.empty()) throw errors::invalid(r.group == "events.k8s.io" ? "" : r.group, r.kind, name, causes);
}

json ObjectService::prepare_create(const ResourceInfo& r, const std::string& ns, json obj,
                                   const WriteOptions& opts, bool apply) const {
  check_kind(r, obj);
  json& md = obj["metadata"];
  if (!md.is_object()) md = json::object();
  if (r.namespaced) {
    std::string body_ns = md.value("namespace", "");
    if (!body_ns.empty() && body_ns != ns) {
      throw errors::bad_request("the namespace of the provided object does not match the namespace sent on the request");
    }
    md["namespace"] = ns;
  } else {
    md.erase("namespace");
  }
  std::string name = md.value("name", "");
  if (name.empty() && !md.value("generateName", "").empty()) {
    name = md.value("generateName", "") + random_suffix(5);
    md["name"] = name;
  }
  if (name.empty()) {
    ApiError e = errors::invalid(r.group, r.kind, "",
                                 {{"FieldValueRequired", "Required value: name or generateName is required", "metadata.name"}});
    e.details.erase("name");
    throw e;
  }
  auto name_causes = r.kind == "Namespace" ? validate_dns_label(name, "metadata.name") : validate_name(name);
  if (!name_causes.empty()) throw errors::invalid(r.group, r.kind, name, name_causes);
  check_namespace_for_create(r, ns, name);
  for (const char* k : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"}) {
    md.erase(k);
  }
  md["uid"] = new_uid();
  md["creationTimestamp"] = now_rfc3339();
  if (tracks_generation(r)) md["generation"] = 1;
  else md.erase("generation");
  json status = r.builtin ? initial_status(r, obj) : (r.has_status ? json() : obj.value("status", json()));
  if (status.is_null()) obj.erase("status");
  else obj["status"] = status;
  obj = to_storage(r, obj);
  if (r.builtin) {
    check_builtin_decoding(r, obj);
    default_builtin(r, obj);
  } else if (!r.schema.is_null()) {
    prune(r.schema, obj);
    if (!apply) apply_defaults(r.schema, obj);
  }
  if (r.group == "events.k8s.io") {
    validate(r, present(r, obj), nullptr);
  } else {
    validate(r, obj, nullptr);
  }
  if (!r.builtin && !r.schema.is_null() && apply) apply_defaults(r.schema, obj);
  if (!apply) record_update(nullptr, obj, opts.manager, r.api_version(), now_rfc3339());
  return obj;
}

json ObjectService::create(const ResourceInfo& r, const std::string& ns, json obj,
                           const WriteOptions& opts) {
  json next = prepare_create(r, ns, std::move(obj), opts, false);
  if (opts.dry_run) return present(r, next);
  std::string name = meta_string(next, "name");
  ObjectRef ref{r.storage, r.namespaced ? ns : "", name};
  ObjectPtr stored = store_.mutate(ref, [&](const ObjectPtr& cur) {
    if (cur) throw errors::already_exists(r, name);
    return Mutation{Mutation::Action::kPut, next};
  });
  after_write(r, stored, false);
  return present(r, *stored);
}

json ObjectService::prepare_update(const ResourceInfo& r, const json& current, json candidate,
                                   const WriteOptions& opts, bool managed_fields_done) const {
  candidate = to_storage(r, std::move(candidate));
  json next;
  if (opts.status) {
    next = current;
    if (candidate.contains("status")) next["status"] = candidate["status"];
    else next.erase("status");
  } else {
    next = candidate;
    if (r.has_status) {
      if (current.contains("status")) next["status"] = current["status"];
      else next.erase("status");
    }
  }
  json& md = next["metadata"];
  if (!md.is_object()) md = json::object();
  for (const char* k : kImmutableMeta) {
    if (current["metadata"].contains(k)) md[k] = current["metadata"][k];
    else md.erase(k);
  }
  md.erase("selfLink");
  md["resourceVersion"] = rv_of(current);
  if (!managed_fields_done) {
    if (current["metadata"].contains("managedFields")) md["managedFields"] = current["metadata"]["managedFields"];
    else md.erase("managedFields");
  }
  if (r.builtin) {
    check_builtin_decoding(r, next);
    default_builtin(r, next);
  } else if (!r.schema.is_null()) {
    prune(r.schema, next);
    apply_defaults(r.schema, next);
  }
  validate(r, r.group == "events.k8s.io" ? present(r, next) : next, &current);
  if (tracks_generation(r) && spec_part(r, next) != spec_part(r, current)) {
    md["generation"] = current["metadata"].value("generation", 0) + 1;
  }
  if (!managed_fields_done) record_update(&current, next, opts.manager, r.api_version(), now_rfc3339());
  return next;
}

json ObjectService::commit_update(const ResourceInfo& r, const ObjectRef& ref,
                                  const ObjectPtr& current, json next, const WriteOptions& opts) {
  if (opts.dry_run) return present(r, next);
  const std::string read_rv = rv_of(*current);
  bool finalize = has_deletion(*current) && finalizers_of(next).empty() && r.kind != "Namespace";
  ObjectPtr stored = store_.mutate(ref, [&](const ObjectPtr& now) {
    if (!now || rv_of(*now) != read_rv) throw RetryWrite{};
    if (finalize) return Mutation{Mutation::Action::kDelete, *now};
    return Mutation{Mutation::Action::kPut, next};
  });
  if (finalize) {
    after_write(r, stored, true);
    next["metadata"]["resourceVersion"] = read_rv;
    return present(r, next);
  }
  after_write(r, stored, false);
  return present(r, *stored);
}

json ObjectService::update(const ResourceInfo& r, const std::string& ns, const std::string& name,
                           json obj, const WriteOptions& opts) {
  check_kind(r, obj);
  std::string body_name = meta_string(obj, "name");
  if (body_name != name) {
    throw errors::bad_request("the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")");
  }
  std::string body_ns = meta_string(obj, "namespace");
  if (r.namespaced && !body_ns.empty() && body_ns != ns) {
    throw errors::bad_request("the namespace of the provided object does not match the namespace sent on the request");
  }
  ObjectRef ref{r.storage, r.namespaced ? ns : "", name};
  return with_retries([&] {
    ObjectPtr cur = store_.get(ref.storage, ref.ns, ref.name);
    if (!cur) {
      bool create_on_update = r.builtin && (r.kind == "Event" || r.kind == "Lease" || r.kind == "Endpoints");
      if (!create_on_update) throw errors::not_found(r, name);
      return create(r, ns, obj, opts);
    }
    std::string want = meta_string(obj, "resourceVersion");
    if (want.empty() && !r.builtin) {
      throw errors::invalid(r.group, r.resource, name,
                            {{"FieldValueInvalid", "Invalid value: 0x0: must be specified for an update",
                              "metadata.resourceVersion"}});
    }
    if (!want.empty() && want != rv_of(*cur)) throw errors::conflict(r, name);
    json next = prepare_update(r, *cur, obj, opts, false);
    return commit_update(r, ref, cur, std::move(next), opts);
  });
}

json ObjectService::patch(const ResourceInfo& r, const std::string& ns, const std::string& name,
                          const std::string& content_type, const std::string& body,
                          const WriteOptions& opts) {
  ObjectRef ref{r.storage, r.namespaced ? ns : "", name};
  return with_retries([&] {
    ObjectPtr cur = store_.get(ref.storage, ref.ns, ref.name);
    if (!cur) throw errors::not_found(r, name);
    json shown = present(r, *cur);
    json patched = apply_patch(content_type, shown, body);
    std::string want = meta_string(patched, "resourceVersion");
    if (!want.empty() && want != rv_of(*cur)) throw errors::conflict(r, name);
    if (meta_string(patched, "name") != name) {
      throw errors::bad_request("the name of the object (" + meta_string(patched, "name") +
                                ") does not match the name on the URL (" + name + ")");
    }
    json next = prepare_update(r, *cur, std::move(patched), opts, false);
    return commit_update(r, ref, cur, std::move(next), opts);
  });
}

json ObjectService::apply(const ResourceInfo& r, const std::string& ns, const std::string& name,
                          json applied, const WriteOptions& opts, bool* created) {
  if (!applied.is_object()) throw errors::bad_request("apply body must be an object");
  if (applied.value("kind", "") != r.kind) {
    throw errors::internal("failed to create typed patch object: .kind: expected " + r.kind + ", got " +
                           applied.value("kind", std::string("<none>")));
  }
  std::string body_name = meta_string(applied, "name");
  if (body_name != name) {
    throw errors::bad_request("the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")");
  }
  ObjectRef ref{r.storage, r.namespaced ? ns : "", name};
  return with_retries([&] {
    ObjectPtr cur = store_.get(ref.storage, ref.ns, ref.name);
    std::string now = now_rfc3339();
    if (!cur) {
      json base = prepare_create(r, ns, applied, opts, true);
      json merged;
      json applied_storage = to_storage(r, applied);
      server_side_apply(nullptr, applied_storage, opts.manager, true, r.api_version(), now, &merged);
      base["metadata"]["managedFields"] = merged["metadata"]["managedFields"];
      *created = true;
      if (opts.dry_run) return present(r, base);
      ObjectPtr stored = store_.mutate(ref, [&](const ObjectPtr& c) {
        if (c) throw RetryWrite{};
        return Mutation{Mutation::Action::kPut, base};
      });
      after_write(r, stored, false);
      return present(r, *stored);
    }
    *created = false;
    json merged;
    auto conflicts = server_side_apply(cur.get(), to_storage(r, applied), opts.manager, opts.force,
                                       r.api_version(), now, &merged);
    if (!conflicts.empty()) {
      std::string msg = "Apply failed with " + std::to_string(conflicts.size()) + " conflict" +
                        (conflicts.size() > 1 ? "s" : "") + ": ";
      json causes = json::array();
      for (size_t i = 0; i < conflicts.size(); ++i) {
        std::string f = path_string(conflicts[i].path);
        msg += (i ? "\n" : "") + std::string("conflict with \"") + conflicts[i].manager + "\" using " +
               r.api_version() + ": " + f;
        causes.push_back({{"reason", "FieldManagerConflict"}, {"message", "conflict with \"" + conflicts[i].manager + "\" using " + r.api_version()}, {"field", f}});
      }
      throw ApiError{409, "Conflict", msg, json{{"causes", causes}}};
    }
    json next = prepare_update(r, *cur, present(r, merged), opts, true);
    return commit_update(r, ref, cur, std::move(next), opts);
  });
}

DeleteResult ObjectService::remove(const ResourceInfo& r, const std::string& ns,
                                   const std::string& name, const DeleteOptions& opts) {
  ObjectRef ref{r.storage, r.namespaced ? ns : "", name};
  return with_retries([&] {
    ObjectPtr cur = store_.get(ref.storage, ref.ns, ref.name);
    if (!cur) throw errors::not_found(r, name);
    const std::string uid = meta_string(*cur, "uid"), rv = rv_of(*cur);
    if (opts.uid && *opts.uid != uid) {
      throw errors::conflict_kind(r, name, "the UID in the precondition (" + *opts.uid + ") does not match the UID in record (" +
                                               uid + "). The object might have been deleted and then recreated");
    }
    if (opts.resource_version && *opts.resource_version != rv) {
      throw errors::conflict_kind(r, name, "the ResourceVersion in the precondition (" + *opts.resource_version +
                                               ") does not match the ResourceVersion in record (" + rv +
                                               "). The object might have been modified");
    }
    json next = *cur;
    json fins = finalizers_of(next);
    auto add_finalizer = [&](const char* f) {
      if (std::find(fins.begin(), fins.end(), f) == fins.end()) fins.push_back(f);
    };
    if (!has_deletion(*cur)) {
      if (opts.propagation == "Foreground") add_finalizer("foregroundDeletion");
      if (opts.propagation == "Orphan") add_finalizer("orphan");
    }
    bool stays = !fins.empty() || (r.kind == "Namespace");
    if (!stays) {
      if (opts.dry_run) return DeleteResult{true, present(r, *cur)};
      ObjectPtr last = store_.mutate(ref, [&](const ObjectPtr& now) {
        if (!now || rv_of(*now) != rv) throw RetryWrite{};
        return Mutation{Mutation::Action::kDelete, json()};
      });
      after_write(r, last, true);
      return DeleteResult{true, present(r, *cur)};
    }
    if (has_deletion(*cur)) return DeleteResult{false, present(r, *cur)};
    next["metadata"]["deletionTimestamp"] = now_rfc3339();
    next["metadata"]["deletionGracePeriodSeconds"] = 0;
    if (r.kind == "Namespace") {
      next["metadata"].erase("deletionGracePeriodSeconds");
      next["status"]["phase"] = "Terminating";
    } else {
      next["metadata"]["finalizers"] = fins;
      if (tracks_generation(r)) next["metadata"]["generation"] = next["metadata"].value("generation", 0) + 1;
    }
    if (opts.dry_run) return DeleteResult{false, present(r, next)};
    ObjectPtr stored = store_.mutate(ref, [&](const ObjectPtr& now) {
      if (!now || rv_of(*now) != rv) throw RetryWrite{};
      return Mutation{Mutation::Action::kPut, next};
    });
    after_write(r, stored, false);
    return DeleteResult{false, present(r, *stored)};
  });
}

std::optional<json> ObjectService::modify(const ResourceInfo& r, const std::string& ns,
                                          const std::string& name,
                                          const std::function<bool(json&)>& mutate,
                                          const WriteOptions& opts) {
  ObjectRef ref{r.storage, r.namespaced ? ns : "", name};
  return with_retries([&]() -> std::optional<json> {
    ObjectPtr cur = store_.get(ref.storage, ref.ns, ref.name);
    if (!cur) return std::nullopt;
    json obj = present(r, *cur);
    if (!mutate(obj)) return obj;
    json next = prepare_update(r, *cur, std::move(obj), opts, false);
    return commit_update(r, ref, cur, std::move(next), opts);
  });
}

void ObjectService::after_write(const ResourceInfo& r, const ObjectPtr& stored, bool deleted) {
  if (!stored || r.resource != "customresourcedefinitions") return;
  const json& crd = *stored;
  if (deleted) {
    for (const auto& cr : resources_from_crd(crd)) {
      for (const auto& obj : store_.list(cr->storage, "")) {
        ObjectRef ref{cr->storage, meta_string(*obj, "namespace"), meta_string(*obj, "name")};
        store_.mutate(ref, [](const ObjectPtr&) { return Mutation{Mutation::Action::kDelete, json()}; });
      }
    }
    registry_.remove_crd(meta_string(crd, "name"));
  } else {
    registry_.install_crd(crd);
  }
}

}  // namespace kubesim

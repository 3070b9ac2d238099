// Collection verbs: list (selectors, limit/continue, resourceVersion semantics, Table output)
// and deletecollection.
#include <thread>

#include "sim/api/api_server.h"
#include "sim/api/protobuf.h"
#include "sim/api/table.h"
#include "sim/core/meta.h"
#include "sim/core/selectors.h"

namespace kubesim::api {
namespace {

/// How long a list waits for a future resourceVersion before answering 504 (as the real server).
constexpr std::chrono::seconds kFutureRvWait{3};

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url(const std::string& in) {
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kB64[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kB64[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

bool b64url_decode(const std::string& in, std::string* out) {
  int val = 0, bits = -8;
  for (char ch : in) {
    if (ch == '=') break;
    char c = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    const char* p = std::strchr(kB64, c);
    if (!p || !*p) return false;
    val = (val << 6) + static_cast<int>(p - kB64);
    bits += 6;
    if (bits >= 0) {
      out->push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return true;
}

std::string make_token(int64_t rv, const std::string& key) {
  json t = {{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", key + std::string(1, '\0')}};
  return b64url(t.dump());
}

struct ListQuery {
  std::optional<LabelSelector> labels;
  std::optional<FieldSelector> fields;
};

ListQuery parse_selectors(const http::Request& req, const ResourceInfo& r) {
  ListQuery q;
  std::string error;
  q.labels = LabelSelector::parse(req.param("labelSelector"), &error);
  if (!q.labels) throw errors::bad_request(error);
  std::string fs = req.param("fieldSelector");
  if (r.group == "events.k8s.io") {
    for (auto [from, to] : {std::pair{"regarding.", "involvedObject."}, {"reportingController", "reportingComponent"}}) {
      for (size_t p; (p = fs.find(from)) != std::string::npos;) fs.replace(p, std::strlen(from), to);
    }
  }
  q.fields = FieldSelector::parse(fs, r.field_labels, &error);
  if (!q.fields) throw errors::bad_request(error);
  return q;
}

bool matches(const ListQuery& q, const json& obj) {
  return q.labels->matches(labels_of(obj)) && q.fields->matches(obj);
}

int64_t parse_rv(const std::string& rv) {
  if (rv.empty()) return -1;
  for (char ch : rv) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) {
      throw ApiError{500, "", "resourceVersion: Invalid value: \"" + rv + "\": strconv.ParseUint: parsing \"" + rv +
                                  "\": invalid syntax", nullptr};
    }
  }
  return std::stoll(rv);
}

}  // namespace

void ApiServer::do_list(Ctx& c, const ResourceInfo& r) {
  const http::Request& req = c.req;
  ListQuery q = parse_selectors(req, r);
  std::string rv_param = req.param("resourceVersion");
  std::string match = req.param("resourceVersionMatch");
  std::string cont = req.param("continue");
  if (!match.empty() && rv_param.empty()) {
    ApiError e = errors::invalid("meta.k8s.io", "ListOptions", "",
                                 {forbidden_field("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")});
    e.details.erase("name");
    throw e;
  }
  if (!match.empty() && match != "Exact" && match != "NotOlderThan") {
    ApiError e = errors::invalid("meta.k8s.io", "ListOptions", "",
                                 {not_supported("resourceVersionMatch", match, {"Exact", "NotOlderThan", ""})});
    throw e;
  }
  int64_t rv = parse_rv(rv_param);
  if (!cont.empty() && !rv_param.empty() && rv_param != "0") {
    throw errors::bad_request("specifying resource version is not allowed when using continue");
  }
  int64_t limit = req.has_param("limit") ? std::atoll(req.param("limit").c_str()) : 0;
  if (rv == 0) limit = 0;  // served from the watch cache: limit ignored
  int64_t compacted = store_.compacted_rv();
  if (rv > 0 && (match == "Exact" || (match.empty() && limit > 0)) && rv < compacted) {
    throw errors::expired("The resourceVersion for the provided list is too old.");
  }
  if (rv > 0 && rv > store_.current_rv()) {
    auto deadline = std::chrono::steady_clock::now() + kFutureRvWait;
    while (store_.current_rv() < rv && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (store_.current_rv() < rv) {
      ApiError e{504, "Timeout", "Timeout: Too large resource version: " + std::to_string(rv) + ", current: " +
                                     std::to_string(store_.current_rv()),
                 json{{"causes", {{{"reason", "ResourceVersionTooLarge"}, {"message", "Too large resource version"}}}},
                      {"retryAfterSeconds", 1}}};
      e.headers.emplace_back("Retry-After", "1");
      throw e;
    }
  }
  std::string start_after;
  int64_t list_rv = store_.current_rv();
  if (!cont.empty()) {
    std::string decoded;
    json token;
    if (b64url_decode(cont, &decoded)) token = json::parse(decoded, nullptr, false);
    if (!token.is_object() || !token.contains("start") || !token.contains("rv")) {
      unsigned char first = decoded.empty() ? ' ' : static_cast<unsigned char>(decoded[0]);
      char shown[16];
      if (first >= 0x20 && first < 0x7f) snprintf(shown, sizeof shown, "%c", first);
      else snprintf(shown, sizeof shown, "\\u%04x", first);
      throw errors::bad_request(std::string("invalid continue token: continue key is not valid: invalid character '") +
                                shown + "' looking for beginning of value");
    }
    start_after = token["start"].get<std::string>();
    if (!start_after.empty() && start_after.back() == '\0') start_after.pop_back();
    int64_t token_rv = token["rv"].get<int64_t>();
    if (token_rv >= 0 && token_rv < compacted) {
      ApiError e = errors::expired(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list "
          "without the continue parameter, or use the continue token in this response to retrieve the remainder of "
          "the results. Continuing with the provided token results in an inconsistent list - objects that were "
          "created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
      e.metadata = {{"continue", make_token(-1, start_after)}};
      throw e;
    }
    if (token_rv > 0) list_rv = token_rv;
  }
  std::string ns = r.namespaced ? c.info.ns : "";
  auto name_only = q.fields->required_name();
  std::vector<ObjectPtr> candidates;
  if (name_only && (!ns.empty() || !r.namespaced)) {
    if (auto o = store_.get(r.storage, ns, *name_only); o && start_after.empty()) candidates.push_back(o);
  } else {
    candidates = store_.list(r.storage, ns, start_after);
  }
  json items = json::array();
  std::string last_key;
  int64_t remaining = 0;
  for (const auto& obj : candidates) {
    if (!matches(q, *obj)) continue;
    if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
      ++remaining;
      continue;
    }
    json shown = objects_.present(r, *obj);
    if (r.builtin && c.neg.as == Negotiated::As::kObject) {
      shown.erase("kind");
      shown.erase("apiVersion");
    }
    items.push_back(std::move(shown));
    last_key = ns.empty() && r.namespaced ? meta_string(*obj, "namespace") + "/" + meta_string(*obj, "name")
                                          : meta_string(*obj, "name");
  }
  std::string self_link = r.self_link(ns, "");
  json md = {{"selfLink", self_link}, {"resourceVersion", std::to_string(list_rv)}};
  if (remaining > 0) {
    md["continue"] = make_token(list_rv, last_key);
    md["remainingItemCount"] = remaining;
  } else if (!r.builtin && c.neg.as == Negotiated::As::kObject) {
    md["continue"] = "";
  }
  if (c.neg.as == Negotiated::As::kTable) {
    json table = build_table(r, items, self_link, std::to_string(list_rv), req.param("includeObject"));
    if (md.contains("continue")) table["metadata"]["continue"] = md["continue"];
    return send(c, 200, table, &r);
  }
  if (c.neg.as == Negotiated::As::kPartialMetadata) {
    json pitems = json::array();
    for (const auto& i : items) pitems.push_back(partial_metadata(i));
    return send(c, 200, {{"kind", "PartialObjectMetadataList"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", md},
                         {"items", pitems}}, &r);
  }
  send(c, 200, {{"kind", r.list_kind}, {"apiVersion", r.api_version()}, {"metadata", md}, {"items", items}}, &r);
}

void ApiServer::do_delete_collection(Ctx& c, const ResourceInfo& r) {
  ListQuery q = parse_selectors(c.req, r);
  DeleteOptions opts;
  json body = decode_delete_options_body(c.req.body);
  opts.propagation = body.value("propagationPolicy", c.req.param("propagationPolicy"));
  opts.dry_run = c.req.param("dryRun") == "All";
  std::string ns = r.namespaced ? c.info.ns : "";
  json items = json::array();
  for (const auto& obj : store_.list(r.storage, ns)) {
    if (!matches(q, *obj)) continue;
    try {
      DeleteResult res = objects_.remove(r, meta_string(*obj, "namespace"), meta_string(*obj, "name"), opts);
      items.push_back(res.object);
    } catch (const ApiError& e) {
      if (e.code != 404) throw;
    }
  }
  json md = {{"selfLink", r.self_link(ns, "")}, {"resourceVersion", std::to_string(store_.current_rv())}};
  if (!r.builtin) md["continue"] = "";
  send(c, 200, {{"kind", r.list_kind}, {"apiVersion", r.api_version()}, {"metadata", md}, {"items", items}}, &r);
}

}  // namespace kubesim::api

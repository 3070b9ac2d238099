#include "sim/api/request_info.h"

#include <vector>

namespace kubesim::api {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

}  // namespace

RequestInfo parse_request_info(const http::Request& req) {
  RequestInfo info;
  auto segs = split_path(req.path);
  size_t i;
  if (!segs.empty() && segs[0] == "api") {
    info.legacy = true;
    if (segs.size() < 3) {
      if (segs.size() == 2) info.version = segs[1];
      return info;
    }
    info.version = segs[1];
    i = 2;
  } else if (!segs.empty() && segs[0] == "apis") {
    if (segs.size() < 4) {
      if (segs.size() >= 2) info.group = segs[1];
      if (segs.size() >= 3) info.version = segs[2];
      return info;
    }
    info.group = segs[1];
    info.version = segs[2];
    i = 3;
  } else {
    return info;
  }
  info.resource_request = true;
  bool watch_prefix = false;
  if (segs[i] == "watch") {
    watch_prefix = true;
    ++i;
  }
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (rest.empty()) {
    info.valid = false;
    return info;
  }
  if (rest[0] == "namespaces") {
    if (rest.size() == 1) {
      info.resource = "namespaces";
    } else if (rest.size() == 2) {
      info.resource = "namespaces";
      info.name = rest[1];
    } else if (rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize")) {
      info.resource = "namespaces";
      info.name = rest[1];
      info.subresource = rest[2];
    } else {
      info.ns = rest[1];
      info.resource = rest[2];
      if (rest.size() > 3) info.name = rest[3];
      if (rest.size() > 4) info.subresource = rest[4];
      if (rest.size() > 5) info.valid = false;
    }
  } else {
    info.resource = rest[0];
    if (rest.size() > 1) info.name = rest[1];
    if (rest.size() > 2) info.subresource = rest[2];
    if (rest.size() > 3) info.valid = false;
  }
  const std::string& m = req.method;
  bool watch_param = req.param("watch") == "true" || req.param("watch") == "1";
  if (m == "GET" || m == "HEAD") {
    if (watch_prefix) info.verb = "watch";
    else if (!info.name.empty()) info.verb = "get";
    else info.verb = watch_param ? "watch" : "list";
  } else if (m == "POST") {
    info.verb = "create";
  } else if (m == "PUT") {
    info.verb = "update";
  } else if (m == "PATCH") {
    info.verb = "patch";
  } else if (m == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  } else {
    info.verb = "unknown";
  }
  return info;
}

}  // namespace kubesim::api

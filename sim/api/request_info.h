// Parses a request path the way the API server's RequestInfoFactory does: API group/version,
// namespace, resource, name, subresource, and the verb.
#pragma once

#include <string>

#include "sim/http/server.h"

namespace kubesim::api {

struct RequestInfo {
  bool resource_request = false;  ///< false for /version, /api, /apis/G, ... (non-resource paths)
  bool legacy = false;            ///< /api (core group)
  bool valid = true;              ///< false when the path cannot name anything (plain 404)
  std::string group, version, ns, resource, name, subresource;
  std::string verb;  ///< get, list, watch, create, update, patch, delete, deletecollection
};

RequestInfo parse_request_info(const http::Request& req);

}  // namespace kubesim::api

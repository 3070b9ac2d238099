// Request building shared by the verbs (internal to kube/): query strings and option encoding.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ferry::kube::internal {

// Appends escaped key=value pairs: Query q; q.Add("limit", "5"); q.str() -> "?limit=5".
class Query {
 public:
  Query& Add(std::string_view key, std::string_view value);
  // Adds only when `value` is non-empty.
  Query& AddIf(std::string_view key, std::string_view value);
  const std::string& str() const { return q_; }

 private:
  std::string q_;
};

}  // namespace ferry::kube::internal

#include "operator/kube/request.h"

#include "operator/kube/resource.h"

namespace ferry::kube::internal {

Query& Query::Add(std::string_view key, std::string_view value) {
  q_ += q_.empty() ? '?' : '&';
  q_ += EscapeComponent(key);
  q_ += '=';
  q_ += EscapeComponent(value);
  return *this;
}

Query& Query::AddIf(std::string_view key, std::string_view value) {
  return value.empty() ? *this : Add(key, value);
}

}  // namespace ferry::kube::internal

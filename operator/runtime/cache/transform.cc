#include "operator/runtime/cache/transform.h"

namespace ferry::cache {

void StripForCache(nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  meta->erase("managedFields");
  meta->erase("selfLink");
  auto annotations = meta->find("annotations");
  if (annotations != meta->end() && annotations->is_object()) {
    annotations->erase(kLastAppliedAnnotation);
    if (annotations->empty()) meta->erase(annotations);
  }
}

}  // namespace ferry::cache

#include "operator/metrics/hooks.h"

namespace ferry::metrics {

std::string_view ReconcileResultLabel(ReconcileResultKind r) {
  switch (r) {
    case ReconcileResultKind::kSuccess: return "success";
    case ReconcileResultKind::kError: return "error";
    case ReconcileResultKind::kRequeue: return "requeue";
    case ReconcileResultKind::kRequeueAfter: return "requeue_after";
  }
  return "error";
}

}  // namespace ferry::metrics

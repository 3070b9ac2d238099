#include "operator/runtime/manager/health.h"

namespace ferry::manager {

void HealthChecks::Add(const std::string& name, Check check) {
  std::lock_guard g(mu_);
  checks_[name] = std::move(check);
}

metrics::HttpResponse HealthChecks::Evaluate() const {
  std::map<std::string, Check> checks;
  {
    std::lock_guard g(mu_);
    checks = checks_;
  }
  std::string details;
  bool ok = true;
  for (const auto& [name, check] : checks) {
    Status st = check();
    if (st) {
      details += "[+]" + name + " ok\n";
    } else {
      ok = false;
      details += "[-]" + name + " failed: " + st.error().message + "\n";
    }
  }
  if (ok) return {200, "text/plain; charset=utf-8", "ok"};
  return {500, "text/plain; charset=utf-8", details + endpoint_ + " check failed\n"};
}

}  // namespace ferry::manager

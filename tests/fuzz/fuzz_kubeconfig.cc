// kubeconfig YAML -> ParseKubeconfig. An optional first line "# context: NAME" (a YAML comment,
// so the input stays valid YAML) picks the context. Relative file references resolve in a
// directory that does not exist, so they fail the way a missing file does.
#include <cstdlib>

#include "operator/base/log.h"
#include "operator/kube/config.h"
#include "tests/fuzz/fuzz_input.h"

#include <nlohmann/json.hpp>

namespace {

// What the parser says ends up in a log line (the operator logs the error and exits; the server
// and context are logged at start-up): every line stays one valid JSON document.
void CheckLogLine(std::string_view line) {
  if (!nlohmann::json::accept(line)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool sink_set = (ferry::log::SetSink(&CheckLogLine), true);
  (void)sink_set;
  std::string_view in = ferry::fuzz::AsText(data, size);
  std::string_view context;
  constexpr std::string_view kContextPrefix = "# context: ";
  if (in.starts_with(kContextPrefix)) {
    std::string_view rest = in;
    context = ferry::fuzz::TakeLine(rest).substr(kContextPrefix.size());
  }
  auto config = ferry::kube::ParseKubeconfig(in, context, "/nonexistent/ferry-fuzz", "fuzz input");
  ferry::log::Logger log("fuzz");
  if (config) {
    log.Info("kubeconfig", {{"server", config->server}, {"source", config->source}});
  } else {
    log.Error("kubeconfig", {{"error", config.error().ToString()}});
  }
  return 0;
}

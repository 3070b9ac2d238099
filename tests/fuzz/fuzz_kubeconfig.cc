// kubeconfig YAML -> ParseKubeconfig. An optional first line "# context: NAME" (a YAML comment,
// so the input stays valid YAML) picks the context. Relative file references resolve in a
// directory that does not exist, so they fail the way a missing file does.
#include "operator/kube/config.h"
#include "tests/fuzz/fuzz_input.h"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ferry::fuzz::AsText(data, size);
  std::string_view context;
  constexpr std::string_view kContextPrefix = "# context: ";
  if (in.starts_with(kContextPrefix)) {
    std::string_view rest = in;
    context = ferry::fuzz::TakeLine(rest).substr(kContextPrefix.size());
  }
  auto config = ferry::kube::ParseKubeconfig(in, context, "/nonexistent/ferry-fuzz", "fuzz input");
  // Whatever it says ends up in logs and conditions: it must be representable as JSON text.
  if (config) {
    (void)nlohmann::json(config->server).dump();
    (void)nlohmann::json(config->source).dump();
  } else {
    (void)nlohmann::json(config.error().ToString()).dump();
  }
  return 0;
}

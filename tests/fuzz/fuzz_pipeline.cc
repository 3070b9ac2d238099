// Pipeline objects as the API server could serve them: JSON -> DecodePipeline -> validation,
// the DAG order, variable substitution, the status codec. Every error message must be valid
// UTF-8 (it becomes a status condition) and encode/decode must be stable.
#include <cstdlib>
#include <map>

#include "operator/api/pipeline_types.h"
#include "operator/api/template.h"
#include "operator/base/json.h"
#include "tests/fuzz/fuzz_input.h"

using ferry::api::Json;

namespace {

void MustSerialize(const std::string& message) { (void)Json(message).dump(); }

const std::map<std::string, std::string>& Values() {
  static const std::map<std::string, std::string> v = {
      {"revision", "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f"},
      {"run.id", "7"},
      {"run.name", "model-7"},
      {"source.url", "https://github.com/acme/model.git"},
      {"stages.build.result", "sha256:abc"}};
  return v;
}

void Substitute(const std::string& text) {
  auto out = ferry::api::SubstituteVariables(text, Values());
  MustSerialize(out ? *out : out.error().message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = ferry::ParseJson(ferry::fuzz::AsText(data, size));
  if (!doc) return 0;
  auto pipeline = ferry::api::DecodePipeline(*doc);
  if (!pipeline) {
    MustSerialize(ferry::api::JoinErrors(pipeline.error()));
    return 0;
  }
  MustSerialize(ferry::api::JoinErrors(ferry::api::ValidatePipeline(*pipeline)));
  (void)ferry::api::TopologicalOrder(pipeline->spec.stages);
  for (const auto& stage : pipeline->spec.stages) {
    Substitute(stage.image);
    for (const auto& arg : stage.args) Substitute(arg);
    for (const auto& arg : stage.command) Substitute(arg);
    (void)ferry::api::Variables(stage.image);
  }

  Json encoded = ferry::api::EncodePipeline(*pipeline);
  (void)encoded.dump();
  auto again = ferry::api::DecodePipeline(encoded);
  if (!again || ferry::api::EncodePipeline(*again) != encoded) std::abort();  // unstable codec
  (void)ferry::api::MergePatch(Json::object(),
                               ferry::api::EncodePipelineStatus(pipeline->status)).dump();
  return 0;
}

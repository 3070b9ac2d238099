// Release objects as the API server could serve them: JSON -> DecodeRelease -> validation,
// the template patch, the status codec. Checks beyond "no crash": every error message can be
// written into a status condition (valid UTF-8), and encode/decode is stable.
#include <cstdlib>

#include "operator/api/release_types.h"
#include "operator/api/template.h"
#include "operator/base/json.h"
#include "tests/fuzz/fuzz_input.h"

using ferry::api::Json;

namespace {

// A status message must survive Json::dump (which refuses invalid UTF-8).
void MustSerialize(const std::string& message) { (void)Json(message).dump(); }

const Json& PodTemplate() {
  static const Json t = Json::parse(R"({"metadata":{"labels":{"app":"web"}},
    "spec":{"containers":[{"name":"web","image":"web:1","env":[{"name":"A","value":"1"}]},
                          {"name":"sidecar","image":"proxy:2"}]}})");
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = ferry::ParseJson(ferry::fuzz::AsText(data, size));
  if (!doc) {
    MustSerialize(doc.error().message);
    return 0;
  }
  auto release = ferry::api::DecodeRelease(*doc);
  if (!release) {
    MustSerialize(ferry::api::JoinErrors(release.error()));
    return 0;
  }
  MustSerialize(ferry::api::JoinErrors(ferry::api::ValidateRelease(*release)));

  Json encoded = ferry::api::EncodeRelease(*release);
  (void)encoded.dump();
  auto again = ferry::api::DecodeRelease(encoded);
  if (!again || ferry::api::EncodeRelease(*again) != encoded) std::abort();  // unstable codec

  Json status = ferry::api::EncodeReleaseStatus(release->status);
  (void)ferry::api::MergePatch(Json::object(), status).dump();
  (void)ferry::api::MergePatch(status, Json::object()).dump();

  auto patched = ferry::api::ApplyTemplatePatch(PodTemplate(), release->spec.template_);
  if (patched) {
    (void)patched->dump();
  } else {
    MustSerialize(ferry::api::JoinErrors(patched.error()));
  }
  return 0;
}

// An exec credential plugin's stdout -> ParseExecCredential (v1 and v1beta1), and the same
// bytes as a timestamp -> ParseRfc3339.
#include "operator/base/rfc3339.h"
#include "operator/kube/exec_credential.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ferry::fuzz::AsText(data, size);
  for (const char* version :
       {"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"}) {
    auto cred = ferry::kube::ParseExecCredential(in, version);
    if (!cred) (void)nlohmann::json(cred.error().ToString()).dump();
  }
  (void)ferry::ParseRfc3339(in);
  return 0;
}

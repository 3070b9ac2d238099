// Non-2xx API answers: "<HTTP code> <Retry-After header>" on the first line, the body after it
// -> ErrorFromResponse, the predicates, ToString. Also the body as a watch ERROR event's Status.
#include <cstdlib>

#include "operator/base/json.h"
#include "operator/kube/errors.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

void Check(const ferry::kube::Error& e) {
  (void)nlohmann::json(e.ToString()).dump();
  (void)e.details.dump();
  if (e.retry_after && e.retry_after->count() < 0) std::abort();  // a negative wait
  (void)(ferry::kube::IsNotFound(e) + ferry::kube::IsConflict(e) + ferry::kube::IsGone(e) +
         ferry::kube::IsTooManyRequests(e) + ferry::kube::IsServerError(e) +
         ferry::kube::IsTimeout(e) + ferry::kube::IsInvalid(e) + ferry::kube::IsForbidden(e));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ferry::fuzz::AsText(data, size);
  std::string_view header = ferry::fuzz::TakeLine(in);
  int code = static_cast<int>(ferry::fuzz::SmallNumber(header, 999));
  size_t space = header.find(' ');
  std::string_view retry_after =
      space == std::string_view::npos ? std::string_view() : header.substr(space + 1);

  Check(ferry::kube::ErrorFromResponse(code, in, retry_after));
  if (auto doc = ferry::ParseJson(in)) Check(ferry::kube::ErrorFromStatus(*doc, code));
  return 0;
}

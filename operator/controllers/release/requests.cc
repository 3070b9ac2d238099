// ferry.dev/<action> request annotations: a nonce differing from status.lastHandledRequests is
// pending; it is recorded as handled in this pass's status whether or not it applies, so a stale
// request never fires in a later rollout. Requests that do not apply get an Event saying why.
#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

namespace {

struct RequestInfo {
  const char* annotation;
  std::string api::ReleaseRequests::*field;
};

constexpr RequestInfo kRequests[] = {
    {api::kRequestPromote, &api::ReleaseRequests::promote},
    {api::kRequestPromoteFull, &api::ReleaseRequests::promoteFull},
    {api::kRequestAbort, &api::ReleaseRequests::abort},
    {api::kRequestRetry, &api::ReleaseRequests::retry},
    {api::kRequestPause, &api::ReleaseRequests::pause},
    {api::kRequestResume, &api::ReleaseRequests::resume},
};
static_assert(std::size(kRequests) == static_cast<size_t>(Request::kCount));

}  // namespace

std::string RequestAnnotation(Request r) { return kRequests[static_cast<int>(r)].annotation; }

void TakeRequests(ReleaseContext& c) {
  for (size_t i = 0; i < std::size(kRequests); ++i) {
    std::string& handled = c.st.lastHandledRequests.*kRequests[i].field;
    auto nonce = api::PendingRequest(c.rel.metadata, kRequests[i].annotation, handled);
    if (!nonce) continue;
    handled = *nonce;
    c.pending[i] = true;
  }
}

bool Consume(ReleaseContext& c, Request r) {
  const int i = static_cast<int>(r);
  if (!c.pending[i] || c.consumed[i]) return false;
  c.consumed[i] = true;
  return true;
}

void ReportIgnoredRequests(ReleaseContext& c) {
  for (size_t i = 0; i < std::size(kRequests); ++i) {
    if (!c.pending[i] || c.consumed[i]) continue;
    c.Event(kEventNormal, "RequestIgnored",
            std::string(kRequests[i].annotation) + " does not apply in phase " + c.st.phase +
                "; recorded as handled without effect");
  }
}

}  // namespace ferry::release::internal

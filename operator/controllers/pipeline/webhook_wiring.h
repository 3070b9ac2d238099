// The webhook receiver's two I/O functions (webhook/receiver.h) bound to the operator: a
// Pipeline is looked up in the informer cache and its Secret read from the API server on each
// delivery (never cached, never logged); a run request is a JSON merge patch of the ferry.dev/run*
// annotations only (never spec, which a GitOps repository owns).
#pragma once

#include "operator/kube/client.h"
#include "operator/runtime/cache/shared_informer.h"
#include "operator/controllers/pipeline/webhook/receiver.h"

namespace ferry::pipeline {

webhook::Receiver::Lookup WebhookLookup(kube::Client& client, cache::SharedInformer& pipelines);
webhook::Receiver::Trigger WebhookTrigger(kube::Client& client);

}  // namespace ferry::pipeline

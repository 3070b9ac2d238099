// The objects a fresh cluster has: the default namespaces and the Gateway API HTTPRoute CRD.
#pragma once

#include "sim/core/objects.h"

namespace kubesim {

/// Namespaces every cluster starts with.
inline constexpr const char* kDefaultNamespaces[] = {"default", "kube-system", "kube-public", "kube-node-lease"};

/// Creates the default namespaces and built-in CRDs (idempotent).
void bootstrap_cluster(ObjectService& objects);

/// Re-installs the CRDs found in the store into the registry (after a state restore).
void reinstall_crds(ObjectService& objects);

}  // namespace kubesim

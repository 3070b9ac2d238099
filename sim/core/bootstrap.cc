#include "sim/core/bootstrap.h"

namespace kubesim {
namespace {

json httproute_crd() {
  json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "httproutes.gateway.networking.k8s.io"}}},
          {"spec",
           {{"group", "gateway.networking.k8s.io"},
            {"scope", "Namespaced"},
            {"names", {{"plural", "httproutes"}, {"singular", "httproute"}, {"kind", "HTTPRoute"},
                       {"listKind", "HTTPRouteList"}, {"categories", {"gateway-api"}}}},
            {"versions", {{{"name", "v1"}, {"served", true}, {"storage", true},
                           {"subresources", {{"status", json::object()}}},
                           {"schema", {{"openAPIV3Schema", schema}}}}}}}}};
}

}  // namespace

void bootstrap_cluster(ObjectService& objects) {
  ResourcePtr ns = objects.registry().find("", "v1", "namespaces");
  for (const char* name : kDefaultNamespaces) {
    try {
      objects.create(*ns, "", json{{"metadata", {{"name", name}}}}, WriteOptions{});
    } catch (const ApiError&) {
      // already present
    }
  }
  ResourcePtr crds = objects.registry().find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  try {
    objects.create(*crds, "", httproute_crd(), WriteOptions{});
  } catch (const ApiError&) {
  }
}

void reinstall_crds(ObjectService& objects) {
  for (const auto& crd : objects.store().list("apiextensions.k8s.io/customresourcedefinitions", "")) {
    objects.registry().install_crd(*crd);
  }
}

}  // namespace kubesim

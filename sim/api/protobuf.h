// Decoding of Kubernetes protobuf request bodies ("application/vnd.kubernetes.protobuf") for
// the built-in kinds clients send that way to kube-sim. client-go's typed clientsets (Helm's
// release storage, for one) write core/v1 objects in protobuf; kube-sim decodes Secret and
// ConfigMap, the kinds Helm stores releases in, and DeleteOptions bodies; 415 for the rest.
//
// Wire format: the 4-byte magic "k8s\0", then a runtime.Unknown message {typeMeta{apiVersion,
// kind}, raw (the object's own message), contentEncoding, contentType}; field numbers as in
// k8s.io/api/core/v1/generated.proto and apimachinery's meta/v1 generated.proto.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace kubesim::api {

using json = nlohmann::json;

/// Thrown for a body that is not a well-formed Kubernetes protobuf envelope.
struct ProtobufError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The object as JSON (apiVersion, kind, metadata, data, ...), nullopt when the envelope holds a
/// kind kube-sim cannot decode. Throws ProtobufError for malformed bytes.
std::optional<json> decode_protobuf_object(const std::string& body);

/// A DELETE request's DeleteOptions: empty (= {}), JSON, or protobuf (client-go's typed clients
/// send it so). Throws errors::bad_request for anything else.
json decode_delete_options_body(const std::string& body);

}  // namespace kubesim::api

// Defaulting of built-in kinds that the operator (or a test) can observe, as the real
// kube-apiserver does it.
#include <gtest/gtest.h>

#include "sim_client.h"

namespace simtest {
namespace {

const std::string kSecrets = "/api/v1/namespaces/default/secrets";

// Secret.stringData is write-only: merged into data as base64 (winning over data), then dropped.
TEST(BuiltinsTest, SecretStringDataIsFoldedIntoData) {
  SimProcess sim;
  ASSERT_TRUE(sim.ok());
  HttpClient client{sim.port()};
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "hook"}}},
                 {"data", {{"kept", "a2VwdA=="}, {"token", "b2xk"}}},
                 {"stringData", {{"token", "s3cret"}}}};
  HttpResponse created = client.post_json(kSecrets, secret);
  ASSERT_EQ(created.status, 201) << created.body;
  json got = client.get(kSecrets + "/hook").json_body();
  EXPECT_FALSE(got.contains("stringData"));
  EXPECT_EQ(got["type"], "Opaque");
  EXPECT_EQ(got["data"]["token"], "czNjcmV0");  // base64("s3cret")
  EXPECT_EQ(got["data"]["kept"], "a2VwdA==");
}

// A length-delimited protobuf field (lengths < 128 only: enough for these tests).
std::string Field(int number, const std::string& bytes) {
  return std::string(1, char(number << 3 | 2)) + char(bytes.size()) + bytes;
}

// client-go's typed clients (Helm's release storage) create Secrets and send DeleteOptions in
// protobuf: kube-sim decodes both.
TEST(BuiltinsTest, ProtobufSecretAndDeleteOptionsAreDecoded) {
  SimProcess sim;
  ASSERT_TRUE(sim.ok());
  HttpClient client{sim.port()};
  const std::string meta = Field(1, "pb") + Field(11, Field(1, "owner") + Field(2, "helm"));
  const std::string secret = Field(1, meta) + Field(2, Field(1, "k") + Field(2, std::string("\x00\xff", 2))) +
                             Field(3, "helm.sh/release.v1");
  const std::string body = std::string("k8s\0", 4) + Field(1, Field(1, "v1") + Field(2, "Secret")) + Field(2, secret);
  HttpResponse created = client.request("POST", kSecrets, body, {{"Content-Type", "application/vnd.kubernetes.protobuf"}});
  ASSERT_EQ(created.status, 201) << created.body;
  json got = client.get(kSecrets + "/pb").json_body();
  EXPECT_EQ(got["metadata"]["labels"]["owner"], "helm");
  EXPECT_EQ(got["data"]["k"], "AP8=");
  EXPECT_EQ(got["type"], "helm.sh/release.v1");

  HttpResponse garbage = client.request("POST", kSecrets, "k8s", {{"Content-Type", "application/vnd.kubernetes.protobuf"}});
  EXPECT_EQ(garbage.status, 400);

  const std::string opts = std::string("k8s\0", 4) + Field(1, Field(1, "meta.k8s.io/v1") + Field(2, "DeleteOptions")) +
                           Field(2, Field(4, "Background"));
  EXPECT_EQ(client.request("DELETE", kSecrets + "/pb", opts, {}).status, 200);
  EXPECT_EQ(client.get(kSecrets + "/pb").status, 404);
}

}  // namespace
}  // namespace simtest

#include "sim/http/tls.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace kubesim::http {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

std::string openssl_error(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  return what + ": " + buf;
}

KeyPtr new_key() { return KeyPtr(EVP_EC_gen("P-256"), EVP_PKEY_free); }

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

CertPtr new_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca) {
  CertPtr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kCertValidityDays * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = ca ? add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
                     add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") &&
                     add_ext(cert.get(), signer, NID_subject_key_identifier, "hash")
               : add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
                     add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
                     add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
                     add_ext(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  if (!ok || X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    return CertPtr(nullptr, X509_free);
  }
  return cert;
}

std::string cert_pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string key_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

bool read_file(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

bool generate_tls(TlsMaterial* out, std::string* error) {
  KeyPtr ca_key = new_key();
  KeyPtr key = new_key();
  if (!ca_key || !key) {
    *error = openssl_error("generating keys");
    return false;
  }
  CertPtr ca = new_cert(ca_key.get(), "kube-sim-ca", nullptr, nullptr, true);
  if (!ca) {
    *error = openssl_error("signing the CA certificate");
    return false;
  }
  CertPtr cert = new_cert(key.get(), "kube-sim", ca.get(), ca_key.get(), false);
  if (!cert) {
    *error = openssl_error("signing the serving certificate");
    return false;
  }
  out->ca_pem = cert_pem(ca.get());
  out->cert_pem = cert_pem(cert.get());
  out->key_pem = key_pem(key.get());
  return true;
}

bool load_tls(const std::string& cert_file, const std::string& key_file,
              const std::string& ca_file, TlsMaterial* out, std::string* error) {
  if (!read_file(cert_file, &out->cert_pem, error) || !read_file(key_file, &out->key_pem, error)) {
    return false;
  }
  if (ca_file.empty()) {
    out->ca_pem = out->cert_pem;
    return true;
  }
  return read_file(ca_file, &out->ca_pem, error);
}

SSL_CTX* make_server_context(const TlsMaterial& material, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  BIO* cbio = BIO_new_mem_buf(material.cert_pem.data(), static_cast<int>(material.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cbio, nullptr, nullptr, nullptr);
  BIO_free(cbio);
  BIO* kbio = BIO_new_mem_buf(material.key_pem.data(), static_cast<int>(material.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kbio, nullptr, nullptr, nullptr);
  BIO_free(kbio);
  bool ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1 &&
            SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  if (cert) X509_free(cert);
  if (key) EVP_PKEY_free(key);
  if (!ok) {
    *error = openssl_error("loading the serving certificate and key");
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set_alpn_select_cb(
      ctx,
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
         unsigned int inlen, void*) -> int {
        static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        unsigned char* selected = nullptr;
        if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) ==
            OPENSSL_NPN_NEGOTIATED) {
          *out = selected;
          return SSL_TLSEXT_ERR_OK;
        }
        return SSL_TLSEXT_ERR_NOACK;
      },
      nullptr);
  return ctx;
}

}  // namespace kubesim::http

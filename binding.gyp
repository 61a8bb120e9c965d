# Native prehashed ECDSA verifier (native/ecdsa_prehash.c), built by `npm ci`
# through scripts/build-native.mjs. It uses the OpenSSL 3 symbols the node
# binary exports and the matching headers in Node's include directory
# (<nodedir>/include/node/openssl); it links no OpenSSL of its own.
# OPENSSL_NO_DEPRECATED: the build fails if the code uses a deprecated API.
{
  "targets": [
    {
      "target_name": "ecdsa_prehash",
      "sources": ["native/ecdsa_prehash.c"],
      "cflags": ["-std=c11"],
      "defines": ["OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"]
    }
  ]
}

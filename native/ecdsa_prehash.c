/*
 * Prehashed ECDSA verification on OpenSSL 3 (the copy linked into Node),
 * as a context-aware N-API addon.
 *
 *   verify(curve, point, digest, rs) -> boolean
 *
 * curve   "P-256" | "P-384" | "P-521"
 * point   Uint8Array, uncompressed SEC 1 point 04 || x || y (1 + 2*size bytes)
 * digest  Uint8Array, the hash value as the signer supplied it (any length);
 *         OpenSSL applies SEC 1 section 4.1.4 step 3 (bits2int: its leftmost
 *         nBits bits), the same truncation as the JS path.
 * rs      Uint8Array, r || s, each `size` bytes big-endian.
 *
 * Returns true iff the signature verifies (SEC 1 section 4.1.4). Returns false
 * for every invalid signature and for a point OpenSSL rejects. Throws a
 * TypeError only for calls that break the contract above (wrong types or
 * lengths): those are programming errors, never attacker input, because the
 * JS layer parses and range-checks everything before calling.
 *
 * Why this exists: node:crypto (Node 20) can only verify ECDSA over a message
 * it hashes itself; EVP_PKEY_verify takes the digest directly.
 *
 * Non-deprecated OpenSSL 3 API only: the key is a copy of the curve's
 * parameters-only EVP_PKEY (EVP_PKEY_fromdata) given the point with
 * EVP_PKEY_set1_encoded_public_key (which rejects points off the curve),
 * verification is EVP_PKEY_verify on an EVP_PKEY_CTX, and (r, s) is passed
 * as the canonical DER ECDSA-Sig-Value (RFC 3279 section 2.2.3; OpenSSL
 * rejects any other encoding).
 *
 * Threads: no mutable global state. State lives in napi instance data (one
 * per napi_env, so one per JS thread): the curves' parameters and a bounded
 * cache of verification contexts by key (below). Every call restores the
 * calling thread's OpenSSL error queue, so the module can be loaded in any
 * number of worker_threads at once.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *name;  /* JS name, as in src/entry/verify/curves.ts */
  const char *group; /* OpenSSL group name */
  size_t size;       /* coordinate and scalar size in bytes */
} curve_t;

static const curve_t CURVES[] = {
    {"P-256", "prime256v1", 32},
    {"P-384", "secp384r1", 48},
    {"P-521", "secp521r1", 66},
};

#define MAX_SCALAR 66
/* SEQUENCE header (3) + 2 INTEGERs of tag, length, 0x00 pad and scalar. */
#define MAX_DER (3 + 2 * (3 + MAX_SCALAR))

/*
 * DER INTEGER of the unsigned big-endian `be` (len >= 1) into `out`: leading
 * zero bytes dropped, one 0x00 added when the top bit is set (X.690 8.3.2).
 * Returns the bytes written (at most 3 + len; len <= MAX_SCALAR keeps the
 * length in short form).
 */
static size_t der_integer(uint8_t *out, const uint8_t *be, size_t len) {
  while (len > 1 && be[0] == 0) {
    be++;
    len--;
  }
  size_t pad = (be[0] & 0x80) ? 1 : 0;
  out[0] = 0x02;
  out[1] = (uint8_t)(len + pad);
  out[2] = 0x00;
  memcpy(out + 2 + pad, be, len);
  return 2 + pad + len;
}

/* Canonical DER SEQUENCE { r INTEGER, s INTEGER } of r || s; returns its length. */
static size_t der_signature(uint8_t out[MAX_DER], const uint8_t *rs, size_t size) {
  uint8_t body[2 * (3 + MAX_SCALAR)];
  size_t n = der_integer(body, rs, size);
  n += der_integer(body + n, rs + size, size);
  size_t h = 0;
  out[h++] = 0x30;
  if (n >= 0x80) out[h++] = 0x81; /* n <= 138: one length byte */
  out[h++] = (uint8_t)n;
  memcpy(out + h, body, n);
  return h + n;
}

#define NCURVES (sizeof CURVES / sizeof CURVES[0])
#define MAX_POINT (1 + 2 * MAX_SCALAR)

/*
 * The key cache: verification contexts ready for EVP_PKEY_verify, by curve
 * and exact point bytes, KEY_SETS x KEY_WAYS of them, least recently used
 * evicted within a set. Signers whose keys live in a KMS or an HSM send the
 * same few keys again and again; for them a verification skips building the
 * key and its context (about 10 us of a 76 us P-256 verification here).
 * A key seen once (keyless signing: a new key per certificate) costs what it
 * did without the cache, plus freeing the context it evicts. Only keys
 * OpenSSL accepted are kept; an entry holds nothing but the public point and
 * OpenSSL's context for it, so a hit gives the answer a fresh key would.
 * Attacker-chosen points can evict only entries of their own set.
 */
#define KEY_SETS 64
#define KEY_WAYS 4

typedef struct {
  EVP_PKEY_CTX *ctx; /* verify-initialised; holds its own reference to the key; NULL: empty */
  size_t curve;      /* index into CURVES */
  size_t point_len;
  uint8_t point[MAX_POINT];
  uint64_t used; /* the instance's clock at the last hit, for LRU within the set */
} cached_key_t;

/*
 * Per-instance state: one parameters-only EVP_PKEY per curve (the group, no
 * point), made when the module loads (building a group by name costs about
 * 16 us on P-256 here, most of building a key; duplicating it about 3.5 us),
 * and the key cache. Owned by one napi_env (one JS thread); freed with it.
 */
typedef struct {
  EVP_PKEY *params[NCURVES];
  cached_key_t keys[KEY_SETS][KEY_WAYS];
  uint64_t clock;
} instance_t;

static void instance_free(instance_t *inst) {
  for (size_t i = 0; i < NCURVES; i++) EVP_PKEY_free(inst->params[i]);
  for (size_t set = 0; set < KEY_SETS; set++)
    for (size_t way = 0; way < KEY_WAYS; way++) EVP_PKEY_CTX_free(inst->keys[set][way].ctx);
  free(inst);
}

static void instance_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  instance_free((instance_t *)data);
}

/* The parameters-only key of `curve`, or NULL. Leaves the error queue as it was. */
static EVP_PKEY *curve_params(const curve_t *curve) {
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  OSSL_PARAM params[2];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve->group, 0);
  params[1] = OSSL_PARAM_construct_end();
  ERR_set_mark();
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) <= 0) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  EVP_PKEY_CTX_free(ctx);
  ERR_pop_to_mark();
  return pkey;
}

/*
 * A verify-initialised context for `point` on curve `index` (new, from the
 * curve's parameters-only key), or NULL when OpenSSL refuses the point or
 * fails. The caller owns it.
 */
static EVP_PKEY_CTX *new_verifier(const EVP_PKEY *params, const uint8_t *point, size_t point_len) {
  EVP_PKEY_CTX *ctx = NULL;
  /* set1_encoded_public_key decodes the point with EC_POINT_oct2point, which
   * rejects points not on the curve. */
  EVP_PKEY *pkey = EVP_PKEY_dup((EVP_PKEY *)params);
  if (pkey != NULL && EVP_PKEY_set1_encoded_public_key(pkey, point, point_len) == 1) {
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL); /* takes its own reference to pkey */
    if (ctx != NULL && EVP_PKEY_verify_init(ctx) <= 0) {
      EVP_PKEY_CTX_free(ctx);
      ctx = NULL;
    }
  }
  EVP_PKEY_free(pkey);
  return ctx;
}

/* FNV-1a of the point, folded with the curve: the key cache's set. */
static size_t key_set(size_t curve, const uint8_t *point, size_t point_len) {
  uint32_t h = 2166136261u ^ (uint32_t)curve;
  for (size_t i = 0; i < point_len; i++) h = (h ^ point[i]) * 16777619u;
  return h % KEY_SETS;
}

/*
 * The cached context for `point` on curve `index`, made and cached on a miss
 * (evicting the set's least recently used entry); NULL when OpenSSL refuses
 * the point, which is not cached. The instance owns the result.
 */
static EVP_PKEY_CTX *verifier_for(instance_t *inst, size_t index, const uint8_t *point, size_t point_len) {
  cached_key_t *set = inst->keys[key_set(index, point, point_len)];
  cached_key_t *victim = &set[0];
  inst->clock++;
  for (size_t way = 0; way < KEY_WAYS; way++) {
    cached_key_t *k = &set[way];
    if (k->ctx != NULL && k->curve == index && k->point_len == point_len && memcmp(k->point, point, point_len) == 0) {
      k->used = inst->clock;
      return k->ctx;
    }
    if (victim->ctx != NULL && (k->ctx == NULL || k->used < victim->used)) victim = k;
  }
  EVP_PKEY_CTX *ctx = new_verifier(inst->params[index], point, point_len);
  if (ctx == NULL) return NULL;
  EVP_PKEY_CTX_free(victim->ctx);
  victim->ctx = ctx;
  victim->curve = index;
  victim->point_len = point_len;
  memcpy(victim->point, point, point_len);
  victim->used = inst->clock;
  return ctx;
}

/*
 * 1 iff `der` is a valid signature by `point` over `digest` on curve
 * `index`; 0 for an invalid signature, a point OpenSSL refuses or any
 * OpenSSL failure. Leaves the thread's OpenSSL error queue as it found it.
 */
static int verify_der(instance_t *inst, size_t index, const uint8_t *point, size_t point_len, const uint8_t *digest,
                      size_t digest_len, const uint8_t *der, size_t der_len) {
  ERR_set_mark();
  EVP_PKEY_CTX *ctx = verifier_for(inst, index, point, point_len);
  /* No signature digest is set, so any digest length is accepted and
   * truncated to the order's bit length (bits2int), as SEC 1 specifies. */
  int ok = ctx != NULL && EVP_PKEY_verify(ctx, der, der_len, digest, digest_len) == 1;
  /* Drop whatever this call queued (bad-signature errors included), and only that. */
  ERR_pop_to_mark();
  return ok;
}

/* Bytes of a Uint8Array argument; 0 with a pending TypeError if it is not one. */
static int get_bytes(napi_env env, napi_value value, const char *what, const uint8_t **data, size_t *len) {
  static const uint8_t EMPTY[1] = {0};
  bool is_typed = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, len, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  /* Element count equals byte count for Uint8Array; data is already offset. */
  *data = ptr != NULL ? (const uint8_t *)ptr : EMPTY;
  return 1;
}

static napi_value js_verify(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "verify(curve, point, digest, rs) takes 4 arguments");
    return NULL;
  }

  char name[8];
  size_t name_len = 0;
  size_t index = NCURVES;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) == napi_ok) {
    for (size_t i = 0; i < NCURVES; i++)
      if (name_len == strlen(CURVES[i].name) && memcmp(name, CURVES[i].name, name_len) == 0) index = i;
  }
  if (index == NCURVES) {
    napi_throw_type_error(env, NULL, "curve must be \"P-256\", \"P-384\" or \"P-521\"");
    return NULL;
  }
  const curve_t *curve = &CURVES[index];

  const uint8_t *point, *digest, *rs;
  size_t point_len, digest_len, rs_len;
  if (!get_bytes(env, argv[1], "point must be a Uint8Array", &point, &point_len) ||
      !get_bytes(env, argv[2], "digest must be a Uint8Array", &digest, &digest_len) ||
      !get_bytes(env, argv[3], "rs must be a Uint8Array", &rs, &rs_len))
    return NULL;
  if (point_len != 1 + 2 * curve->size || point[0] != 0x04) {
    napi_throw_type_error(env, NULL, "point must be an uncompressed point 04 || x || y of the curve's size");
    return NULL;
  }
  if (rs_len != 2 * curve->size) {
    napi_throw_type_error(env, NULL, "rs must be r || s, each of the curve's scalar size");
    return NULL;
  }

  instance_t *inst = NULL;
  if (napi_get_instance_data(env, (void **)&inst) != napi_ok || inst == NULL) {
    napi_throw_error(env, NULL, "ecdsa_prehash: module not initialised");
    return NULL;
  }

  uint8_t der[MAX_DER];
  size_t der_len = der_signature(der, rs, curve->size);
  int ok = verify_der(inst, index, point, point_len, digest, digest_len, der, der_len);

  napi_value result;
  if (napi_get_boolean(env, ok != 0, &result) != napi_ok) return NULL;
  return result;
}

/* Called once per napi_env (main thread and each worker). */
NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  instance_t *inst = calloc(1, sizeof *inst);
  if (inst == NULL) {
    napi_throw_error(env, NULL, "ecdsa_prehash: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < NCURVES; i++) {
    inst->params[i] = curve_params(&CURVES[i]);
    if (inst->params[i] == NULL) {
      instance_free(inst);
      napi_throw_error(env, NULL, "ecdsa_prehash: OpenSSL cannot build the NIST curves");
      return NULL;
    }
  }
  if (napi_set_instance_data(env, inst, instance_finalize, NULL) != napi_ok) {
    instance_free(inst);
    napi_throw_error(env, NULL, "ecdsa_prehash: napi_set_instance_data failed");
    return NULL;
  }

  napi_value fn;
  if (napi_create_function(env, "verify", NAPI_AUTO_LENGTH, js_verify, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "verify", fn) != napi_ok)
    return NULL;
  return exports;
}
